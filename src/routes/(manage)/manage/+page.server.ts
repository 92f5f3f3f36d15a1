import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import {
	dashboardFilterSchema,
	managerDashboard,
	trackingChoices
} from '$lib/server/tracking/service';
import { sendManualReminders } from '$lib/server/reminders/manual';
import { mailContext } from '$lib/server/http/context';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, url }) => {
	const filter = dashboardFilterSchema.parse(Object.fromEntries(url.searchParams));
	const [dashboard, choices] = await Promise.all([
		orErrorPage(managerDashboard(db(), locals.user!, filter)),
		trackingChoices(db(), locals.user!)
	]);
	return { ...dashboard, choices, filter, query: url.searchParams.toString() };
};

export const actions: Actions = {
	/** A reminder to everyone overdue in the filtered view (organisation, team, course). */
	remindOverdue: async ({ request, locals, url }) => {
		const form = await readForm(request);
		try {
			const filter = dashboardFilterSchema.parse(formToObject(form));
			const { origin } = await mailContext(url);
			return {
				reminded: await sendManualReminders(db(), locals.user!, { overdueIn: filter }, origin)
			};
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
