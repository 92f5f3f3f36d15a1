import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { listPeople, peopleFilterSchema } from '$lib/server/people/service';
import { bulkAssignCourse, trackingChoices } from '$lib/server/tracking/service';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

const filterOf = (url: URL) => peopleFilterSchema.parse(Object.fromEntries(url.searchParams));

export const load: PageServerLoad = async ({ locals, url }) => {
	const filter = filterOf(url);
	const [result, choices] = await Promise.all([
		listPeople(db(), locals.user!, filter),
		trackingChoices(db(), locals.user!)
	]);
	return {
		...result,
		filter,
		choices: { organisations: choices.organisations, teams: choices.teams },
		courses: choices.courses
	};
};

export const actions: Actions = {
	/** Assign a course to the people ticked, or to everyone the list's filter (in the address) matches. */
	assign: async ({ request, locals, url }) => {
		const form = await readForm(request);
		try {
			return {
				bulk: await bulkAssignCourse(db(), locals.user!, formToObject(form), filterOf(url))
			};
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
