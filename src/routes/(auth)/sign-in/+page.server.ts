import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { homeFor, signIn } from '$lib/server/auth/service';
import { safeNext, setSessionCookie } from '$lib/server/auth/cookies';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import { providerForEmail, signInButtons, startPath } from '$lib/server/sso/service';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
	const next = url.searchParams.get('next');
	const buttons = (await signInButtons(db())).map((o) => ({
		name: o.name,
		href: startPath(o.key, next)
	}));
	return { reset: url.searchParams.get('reset') === 'sent', ssoButtons: buttons };
};

export const actions: Actions = {
	default: async ({ request, cookies, url, getClientAddress, setHeaders }) => {
		const form = await readForm(request);
		// Email first: an address at an organisation with single sign-on goes to its provider (a link,
		// since the page's form-action policy keeps form posts on this site).
		const sso = await providerForEmail(db(), String(form.get('email') ?? ''));
		if (sso)
			return {
				sso: { name: sso.name, href: startPath(sso.key, url.searchParams.get('next')) },
				email: String(form.get('email'))
			};
		let session;
		try {
			session = await signIn(db(), formToObject(form), getClientAddress());
		} catch (e) {
			return failFromError(e, form, setHeaders);
		}
		setSessionCookie(cookies, url, session);
		redirect(
			303,
			url.searchParams.get('next')
				? safeNext(url.searchParams.get('next'))
				: await homeFor(db(), session.userId)
		);
	}
};
