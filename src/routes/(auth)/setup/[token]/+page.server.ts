import { error, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { completeSetup, setupLinkIsValid } from '$lib/server/auth/service';
import { listOrganisations } from '$lib/server/partnership/service';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

const EXPIRED =
	'This setup link has expired or has already been used. Restart the server to get a new link if no admin exists yet.';

export const load: PageServerLoad = async ({ params }) => {
	if (!(await setupLinkIsValid(db(), params.token))) error(404, EXPIRED);
	const organisations = await listOrganisations(db());
	return { organisations: organisations.map((o) => ({ value: o.id, label: o.name })) };
};

export const actions: Actions = {
	default: async ({ request, params, cookies, url }) => {
		const form = await readForm(request);
		let session;
		try {
			session = await completeSetup(db(), params.token, formToObject(form));
		} catch (e) {
			return failFromError(e, form);
		}
		if (!session) error(404, EXPIRED);
		setSessionCookie(cookies, url, session);
		redirect(303, '/admin?welcome=1');
	}
};
