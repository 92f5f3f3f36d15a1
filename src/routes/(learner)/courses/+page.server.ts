import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { listCatalogue } from '$lib/server/courses/service';

export const load: PageServerLoad = async ({ locals }) => ({
	courses: await listCatalogue(db(), locals.user!)
});
