import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import {
	eventForManage,
	eventFormValues,
	formOptions,
	updateEvent
} from '$lib/server/events/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import { error } from '@sveltejs/kit';

export const load: PageServerLoad = async ({ locals, params }) => {
	const view = await orErrorPage(eventForManage(db(), locals.user!, params.id));
	if (!view.organiser)
		error(403, 'Only admins and managers of the organisation that runs this event can change it.');
	return {
		id: view.event.id,
		title: view.event.title,
		values: eventFormValues(view.event, view.sessions, view.trainers),
		options: await formOptions(db(), locals.user!)
	};
};

export const actions: Actions = {
	default: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await updateEvent(db(), locals.user!, params.id, formToObject(form));
		} catch (e) {
			return failFromError(e, form);
		}
		redirect(303, `/manage/events/${params.id}?changed=1`);
	}
};
