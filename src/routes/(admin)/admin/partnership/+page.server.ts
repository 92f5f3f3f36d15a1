import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { partnershipDashboard } from '$lib/server/tracking/partnership';
import { completionsByRoute } from '$lib/server/events/service';

export const load: PageServerLoad = async ({ locals }) => ({
	...(await partnershipDashboard(db(), locals.user!)),
	byRoute: await completionsByRoute(db(), locals.user!)
});
