import { redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { db } from '$lib/server/app';
import { requestPasswordReset } from '$lib/server/auth/service';
import { mailContext } from '$lib/server/http/context';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const actions: Actions = {
	default: async ({ request, url, getClientAddress, setHeaders }) => {
		const form = await readForm(request);
		try {
			await requestPasswordReset(db(), formToObject(form), getClientAddress(), await mailContext(url));
		} catch (e) {
			return failFromError(e, form, setHeaders);
		}
		redirect(303, '/sign-in?reset=sent');
	}
};
