import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { partnershipDashboard } from '$lib/server/tracking/partnership';
import { completionsByRoute } from '$lib/server/events/service';

export const load: PageServerLoad = async ({ locals }) => {
	// Independent reads: asked for together, not one after the other.
	const [dashboard, byRoute] = await Promise.all([
		partnershipDashboard(db(), locals.user!),
		completionsByRoute(db(), locals.user!)
	]);
	return { ...dashboard, byRoute };
};
