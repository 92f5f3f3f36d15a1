import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import { assertAdmin } from '$lib/server/auth/permissions';
import { findPersonForRequest, retentionOverview, runRetention } from '$lib/server/privacy/service';

export const load: PageServerLoad = async ({ locals }) => retentionOverview(db(), locals.user!);

export const actions: Actions = {
	find: async ({ request, locals }) => {
		const form = await readForm(request);
		let id: string;
		try {
			({ id } = await findPersonForRequest(db(), locals.user!, formToObject(form)));
		} catch (e) {
			return failFromError(e, form);
		}
		redirect(303, `/admin/privacy/people/${id}`);
	},
	run: async ({ locals }) => {
		assertAdmin(locals.user!);
		const report = await runRetention(db());
		return { ran: report.asOf };
	}
};
