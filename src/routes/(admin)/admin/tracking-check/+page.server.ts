import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { driftCheckPage, runDriftCheck } from '$lib/server/tracking/service';
import { failFromError, readForm } from '$lib/server/http/forms';

export const load: PageServerLoad = async ({ locals }) => driftCheckPage(db(), locals.user!);

export const actions: Actions = {
	run: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			const report = await runDriftCheck(db(), locals.user!);
			return { report: { ...report, at: report.at.toISOString() } };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
