import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import {
	createOrganisation,
	listOrganisationsWithCounts,
	ORGANISATION_KIND_LABELS
} from '$lib/server/organisations/service';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals }) => ({
	organisations: await listOrganisationsWithCounts(db(), locals.user!),
	kinds: Object.entries(ORGANISATION_KIND_LABELS).map(([value, label]) => ({ value, label })),
	canCreate: locals.user!.isAdmin
});

export const actions: Actions = {
	create: async ({ request, locals }) => {
		const form = await readForm(request);
		let id;
		try {
			({ id } = await createOrganisation(db(), locals.user!, formToObject(form)));
		} catch (e) {
			return failFromError(e, form);
		}
		redirect(303, `/manage/organisations/${id}`);
	}
};
