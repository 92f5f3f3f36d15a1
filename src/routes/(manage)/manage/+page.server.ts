import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { listOrganisationsWithCounts } from '$lib/server/organisations/service';

export const load: PageServerLoad = async ({ locals }) => ({
	organisations: await listOrganisationsWithCounts(db(), locals.user!)
});
