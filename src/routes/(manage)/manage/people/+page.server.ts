import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { listPeople, peopleFilterSchema, placementChoices } from '$lib/server/people/service';

export const load: PageServerLoad = async ({ locals, url }) => {
	const filter = peopleFilterSchema.parse(Object.fromEntries(url.searchParams));
	const [result, choices] = await Promise.all([listPeople(db(), locals.user!, filter), placementChoices(db(), locals.user!)]);
	return { ...result, filter, choices };
};
