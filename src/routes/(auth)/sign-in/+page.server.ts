import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { homeFor, signIn } from '$lib/server/auth/service';
import { safeNext, setSessionCookie } from '$lib/server/auth/cookies';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
	return { reset: url.searchParams.get('reset') === 'sent' };
};

export const actions: Actions = {
	default: async ({ request, cookies, url, getClientAddress, setHeaders }) => {
		const form = await readForm(request);
		let session;
		try {
			session = await signIn(db(), formToObject(form), getClientAddress());
		} catch (e) {
			return failFromError(e, form, setHeaders);
		}
		setSessionCookie(cookies, url, session);
		redirect(303, url.searchParams.get('next') ? safeNext(url.searchParams.get('next')) : await homeFor(db(), session.userId));
	}
};
