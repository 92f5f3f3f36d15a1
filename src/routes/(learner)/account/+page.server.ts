
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { changePassword } from '$lib/server/auth/service';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = ({ locals }) => ({ email: locals.user!.email, name: locals.user!.name });

export const actions: Actions = {
	password: async ({ request, locals, cookies, url }) => {
		const form = await readForm(request);
		try {
			const session = await changePassword(db(), locals.user!.id, formToObject(form));
			setSessionCookie(cookies, url, session);
		} catch (e) {
			return failFromError(e, form);
		}
		return { passwordChanged: true };
	}
};

