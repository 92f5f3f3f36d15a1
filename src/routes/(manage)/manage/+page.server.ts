import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { dashboardFilterSchema, managerDashboard, trackingChoices } from '$lib/server/tracking/service';
import { orErrorPage } from '$lib/server/http/forms';

export const load: PageServerLoad = async ({ locals, url }) => {
	const filter = dashboardFilterSchema.parse(Object.fromEntries(url.searchParams));
	const [dashboard, choices] = await Promise.all([
		orErrorPage(managerDashboard(db(), locals.user!, filter)),
		trackingChoices(db(), locals.user!)
	]);
	return { ...dashboard, choices, filter, query: url.searchParams.toString() };
};
