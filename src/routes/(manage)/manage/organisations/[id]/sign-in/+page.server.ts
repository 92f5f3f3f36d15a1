import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import {
	getSsoSettings,
	lastStartFailure,
	saveSsoSettings,
	testReport
} from '$lib/server/sso/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const settings = await orErrorPage(getSsoSettings(db(), locals.user!, params.id, url.origin));
	const test = url.searchParams.get('test');
	const startFailure =
		test === 'failed-to-start' ? await lastStartFailure(db(), locals.user!, params.id) : null;
	const report = startFailure
		? {
				ok: false,
				error: startFailure,
				decision: 'Nothing: the sign-in could not begin. Check the settings above.',
				notes: [],
				received: null
			}
		: test
			? await testReport(db(), locals.user!, params.id, test)
			: null;
	return { ...settings, report, testAsked: Boolean(test) };
};

export const actions: Actions = {
	save: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await saveSsoSettings(db(), locals.user!, params.id, formToObject(form));
			return { saved: 'Sign-in settings saved.' };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
