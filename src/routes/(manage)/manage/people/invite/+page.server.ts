import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { invitePerson, placementChoices } from '$lib/server/people/service';
import { mailContext } from '$lib/server/http/context';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals }) => ({
	choices: await placementChoices(db(), locals.user!),
	canGrantAdmin: locals.user!.isAdmin
});

export const actions: Actions = {
	default: async ({ request, locals, url }) => {
		const form = await readForm(request);
		let id;
		try {
			({ id } = await invitePerson(db(), locals.user!, formToObject(form), await mailContext(url)));
		} catch (e) {
			return failFromError(e, form);
		}
		redirect(303, `/manage/people/${id}?invited=1`);
	}
};
