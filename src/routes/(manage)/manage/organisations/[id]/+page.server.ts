import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import {
	createTeam,
	getOrganisation,
	renameTeam,
	updateOrganisation,
	ORGANISATION_KIND_LABELS
} from '$lib/server/organisations/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, params }) => ({
	organisation: await orErrorPage(getOrganisation(db(), locals.user!, params.id)),
	kinds: Object.entries(ORGANISATION_KIND_LABELS).map(([value, label]) => ({ value, label })),
	canEdit: locals.user!.isAdmin
});

export const actions: Actions = {
	update: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await updateOrganisation(db(), locals.user!, params.id, formToObject(form));
			return { saved: 'Organisation saved.' };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	addTeam: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await createTeam(db(), locals.user!, params.id, formToObject(form));
			return { saved: 'Team added.' };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	renameTeam: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await renameTeam(
				db(),
				locals.user!,
				params.id,
				String(form.get('teamId') ?? ''),
				formToObject(form)
			);
			return { saved: 'Team renamed.' };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
