import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { getPerson, placementChoices, resendInvite, setPersonStatus, updatePerson } from '$lib/server/people/service';
import { mailContext } from '$lib/server/http/context';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	return {
		person: await orErrorPage(getPerson(db(), locals.user!, params.id)),
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
