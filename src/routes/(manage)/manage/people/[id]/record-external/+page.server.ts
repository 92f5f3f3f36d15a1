import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { formToObject } from '$lib/server/validation';
import { recordExternalCompletion } from '$lib/server/tracking/service';
import { personTask, taskPersonAndCourses } from '../tasks';

export const load: PageServerLoad = ({ locals, params }) =>
	taskPersonAndCourses(locals.user!, params.id);

export const actions: Actions = {
	default: async ({ request, locals, params }) =>
		personTask(request, params.id, async (form) => {
			await recordExternalCompletion(db(), locals.user!, params.id, formToObject(form));
			return 'recorded';
		})
};
