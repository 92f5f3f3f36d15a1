import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { setPersonStatus } from '$lib/server/people/service';
import { personTask, taskPerson } from '../tasks';

export const load: PageServerLoad = async ({ locals, params }) => ({
	person: await taskPerson(locals.user!, params.id)
});

export const actions: Actions = {
	deactivate: async ({ request, locals, params }) =>
		personTask(request, params.id, async (form) => {
			await setPersonStatus(db(), locals.user!, params.id, 'deactivated', form.get('reason'));
			return 'deactivated';
		}),
	reactivate: async ({ request, locals, params }) =>
		personTask(request, params.id, async (form) => {
			await setPersonStatus(db(), locals.user!, params.id, 'active', form.get('reason'));
			return 'reactivated';
		})
};
