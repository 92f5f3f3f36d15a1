import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { getPerson, placementChoices, updatePerson } from '$lib/server/people/service';
import { orErrorPage } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import { personTask } from '../tasks';

export const load: PageServerLoad = async ({ locals, params }) => {
	const [p, choices] = await Promise.all([
		orErrorPage(getPerson(db(), locals.user!, params.id)),
		placementChoices(db(), locals.user!)
	]);
	return {
		person: { id: p.id, name: p.name },
		current: {
			name: p.name,
			organisationId: p.organisationId,
			teamId: p.teamId,
			audience: p.audience,
			managerOf: p.managerOf,
			isAdmin: p.isAdmin
		},
		choices,
		canGrantAdmin: locals.user!.isAdmin
	};
};

export const actions: Actions = {
	default: async ({ request, locals, params }) =>
		personTask(request, params.id, async (form) => {
			const { changed } = await updatePerson(db(), locals.user!, params.id, formToObject(form));
			return changed ? 'saved' : 'unchanged';
		})
};
