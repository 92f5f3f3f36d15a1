import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { placementChoices, resendInvite, setPersonStatus, updatePerson } from '$lib/server/people/service';
import { mailContext } from '$lib/server/http/context';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import { assignCourse, personLearning, recordExternalCompletion, trackingChoices, voidCompletion, withdrawAssignment } from '$lib/server/tracking/service';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const learning = await orErrorPage(personLearning(db(), locals.user!, params.id));
	return {
		person: learning.person,
		learning: { statuses: learning.statuses, history: learning.history, assignments: learning.assignments },
		courses: (await trackingChoices(db(), locals.user!)).courses,
		choices: await placementChoices(db(), locals.user!),
		canGrantAdmin: locals.user!.isAdmin,
		invited: url.searchParams.get('invited') === '1'
	};
};

export const actions: Actions = {
	update: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			const { changed } = await updatePerson(db(), locals.user!, params.id, formToObject(form));
			return { saved: changed ? 'Changes saved.' : 'Nothing was changed.' };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	deactivate: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await setPersonStatus(db(), locals.user!, params.id, 'deactivated', form.get('reason'));
			return { saved: 'Account deactivated. Their learning records are kept.' };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	reactivate: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await setPersonStatus(db(), locals.user!, params.id, 'active', form.get('reason'));
			return { saved: 'Account reactivated.' };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	assign: ({ request, locals, params }) =>
		learningAction(request, (form) => assignCourse(db(), locals.user!, params.id, formToObject(form)), 'Course assigned.'),
	withdraw: ({ request, locals, params }) =>
		learningAction(request, (form) => withdrawAssignment(db(), locals.user!, params.id, String(form.get('assignmentId') ?? ''), form.get('reason')), 'Assignment withdrawn.'),
	external: ({ request, locals, params }) =>
		learningAction(request, (form) => recordExternalCompletion(db(), locals.user!, params.id, formToObject(form)), 'Completion recorded.'),
	void: ({ request, locals, params }) =>
		learningAction(request, (form) => voidCompletion(db(), locals.user!, params.id, String(form.get('completionId') ?? ''), form.get('reason')), 'Completion corrected. It stays in the history, marked as withdrawn.'),
	resend: async ({ request, locals, params, url }) => {
		const form = await readForm(request);
		try {
			await resendInvite(db(), locals.user!, params.id, await mailContext(url));
			return { saved: 'A new invitation has been sent. Earlier invitation links no longer work.' };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};

/** Learning records: each action is scope-checked and audit-logged in the tracking service. */
async function learningAction(request: Request, work: (form: FormData) => Promise<unknown>, message: string) {
	const form = await readForm(request);
	try {
		await work(form);
		return { saved: message };
	} catch (e) {
		return failFromError(e, form);
	}
}
