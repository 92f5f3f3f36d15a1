import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { createEvent, formOptions } from '$lib/server/events/service';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals }) => ({
	options: await formOptions(db(), locals.user!)
});

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await readForm(request);
		let id: string;
		try {
			id = await createEvent(db(), locals.user!, formToObject(form));
		} catch (e) {
			return failFromError(e, form);
		}
		redirect(303, `/manage/events/${id}?created=1`);
	}
};
