import type { Actions, PageServerLoad } from './$types';
import { error } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import { orErrorPage } from '$lib/server/http/forms';
import { formatDate } from '$lib/format';
import { personLearning, voidCompletion } from '$lib/server/tracking/service';
import { personTask } from '../../tasks';

export const load: PageServerLoad = async ({ locals, params }) => {
	const { person, history } = await orErrorPage(personLearning(db(), locals.user!, params.id));
	const completion = history.find((h) => h.id === params.completionId && !h.voidedAt);
	if (!completion) error(404, 'We could not find that completion.');
	return {
		person: { id: person.id, name: person.name },
		what: `${completion.courseTitle}, completed ${formatDate(completion.completedAt)}`
	};
};

export const actions: Actions = {
	default: async ({ request, locals, params }) =>
		personTask(request, params.id, async (form) => {
			await voidCompletion(db(), locals.user!, params.id, params.completionId, form.get('reason'));
			return 'completion-withdrawn';
		})
};
