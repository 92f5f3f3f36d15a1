import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { CONTACT_TOPICS, listContacts, saveContact } from '$lib/server/partnership/contacts';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals }) => ({
	contacts: await listContacts(db(), locals.user!),
	topics: Object.entries(CONTACT_TOPICS).map(([value, label]) => ({ value, label }))
});

export const actions: Actions = {
	save: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			const id = form.get('id');
			await saveContact(
				db(),
				locals.user!,
				typeof id === 'string' && id ? id : null,
				formToObject(form)
			);
			return { saved: 'Contact saved. Lessons show it from now on.' };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
