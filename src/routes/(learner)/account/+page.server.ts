import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { changePassword } from '$lib/server/auth/service';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import { reminderPreference, setReminderPreference } from '$lib/server/people/service';
import { changeMyName, myProfile } from '$lib/server/learners/record';

export const load: PageServerLoad = async ({ locals }) => ({
	email: locals.user!.email,
	name: locals.user!.name,
	profile: await myProfile(db(), locals.user!),
	reminders: await reminderPreference(db(), locals.user!.id)
});

export const actions: Actions = {
	name: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			const { changed } = await changeMyName(db(), locals.user!, formToObject(form));
			return { nameSaved: changed ? 'Your name is changed.' : 'Your name is the same as before.' };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	reminders: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			const { early } = await setReminderPreference(db(), locals.user!.id, formToObject(form));
			return {
				remindersSaved: early
					? 'You will get early reminders.'
					: 'Early reminders are off. You will still be told when training is due in 3 days or overdue.'
			};
		} catch (e) {
			return failFromError(e, form);
		}
	},
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
