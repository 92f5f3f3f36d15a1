import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { SESSION_COOKIE, invalidateSession } from '$lib/server/auth/sessions';
import { sessionCookieOptions } from '$lib/server/auth/cookie';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies, url }) => {
		if (locals.session) await invalidateSession(db(), locals.session.id);
		cookies.delete(SESSION_COOKIE, sessionCookieOptions(url));
		redirect(303, '/sign-in');
	}
};
