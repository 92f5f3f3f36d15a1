import { redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { db } from '$lib/server/app';
import { requestPasswordReset } from '$lib/server/auth/service';
import { mailContext } from '$lib/server/http/context';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import { providerForEmail, startPath } from '$lib/server/sso/service';

export const actions: Actions = {
	default: async ({ request, url, getClientAddress, setHeaders }) => {
		const form = await readForm(request);
		// An organisation that requires single sign-on has no passwords to reset: say where to go instead.
		const sso = await providerForEmail(db(), String(form.get('email') ?? ''));
		if (sso?.required)
			return {
				ssoOnly: {
					organisationName: sso.name,
					startPath: startPath(sso.key, null),
					helpContact: sso.helpContact
				}
			};
		try {
			await requestPasswordReset(
				db(),
				formToObject(form),
				getClientAddress(),
				await mailContext(url)
			);
		} catch (e) {
			return failFromError(e, form, setHeaders);
		}
		redirect(303, '/sign-in?reset=sent');
	}
};
