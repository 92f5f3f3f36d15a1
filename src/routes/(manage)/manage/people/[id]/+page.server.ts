import type { Actions, PageServerLoad } from './$types';
import { fail } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import { resendInvite } from '$lib/server/people/service';
import { mailContext } from '$lib/server/http/context';
import { MANUAL_REMINDER_GAP_HOURS, sendManualReminders } from '$lib/server/reminders/manual';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { approveExternalCompletion, personLearning } from '$lib/server/tracking/service';
import { confirmationFor } from './tasks';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const learning = await orErrorPage(personLearning(db(), locals.user!, params.id));
	const person = learning.person;
	return {
		person,
		invitation: learning.invitation,
		learning: {
			statuses: learning.statuses,
			history: learning.history,
			assignments: learning.assignments
		},
		/** admins approve training recorded elsewhere as equivalent */
		canApprove: locals.user!.isAdmin,
		confirmation:
			url.searchParams.get('invited') === '1'
				? `Invitation sent to ${person.email}.`
				: confirmationFor(url.searchParams.get('done'))
	};
};

/**
 * The summary page keeps only single-button tasks; each answers with its own name, so the page
 * shows a failure beside the button that caused it and nowhere else. Tasks with fields have pages.
 */
type Task = 'remind' | 'resend' | 'approve';

async function singleButton(
	request: Request,
	task: Task,
	work: (form: FormData) => Promise<string>
) {
	const form = await readForm(request);
	try {
		return { task, saved: await work(form) };
	} catch (e) {
		const failure = failFromError(e, form);
		return fail(failure.status, { ...failure.data, task });
	}
}

export const actions: Actions = {
	remind: async ({ request, locals, params, url }) =>
		singleButton(request, 'remind', async () => {
			const { sent } = await sendManualReminders(
				db(),
				locals.user!,
				{ personId: params.id },
				(await mailContext(url)).origin
			);
			return sent
				? 'Reminder sent.'
				: `No reminder sent: they have nothing to complete, or were reminded in the last ${MANUAL_REMINDER_GAP_HOURS} hours.`;
		}),
	resend: async ({ request, locals, params, url }) =>
		singleButton(request, 'resend', async () => {
			await resendInvite(db(), locals.user!, params.id, await mailContext(url));
			return 'A new invitation has been sent. Earlier invitation links no longer work.';
		}),
	approve: async ({ request, locals, params }) =>
		singleButton(request, 'approve', async (form) => {
			await approveExternalCompletion(
				db(),
				locals.user!,
				params.id,
				String(form.get('completionId') ?? '')
			);
			return 'Approved as equivalent. It now counts for every requirement it meets.';
		})
};
