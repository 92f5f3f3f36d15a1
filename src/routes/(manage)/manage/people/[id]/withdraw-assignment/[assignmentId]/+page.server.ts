import type { Actions, PageServerLoad } from './$types';
import { error } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import { orErrorPage } from '$lib/server/http/forms';
import { formatDate } from '$lib/format';
import { personLearning, withdrawAssignment } from '$lib/server/tracking/service';
import { personTask } from '../../tasks';

export const load: PageServerLoad = async ({ locals, params }) => {
	const { person, assignments } = await orErrorPage(personLearning(db(), locals.user!, params.id));
	const assignment = assignments.find((a) => a.id === params.assignmentId);
	if (!assignment) error(404, 'We could not find that assignment.');
	return {
		person: { id: person.id, name: person.name },
		what: `${assignment.courseTitle}, due ${formatDate(assignment.dueAt)}`
	};
};

export const actions: Actions = {
	default: async ({ request, locals, params }) =>
		personTask(request, params.id, async (form) => {
			await withdrawAssignment(
				db(),
				locals.user!,
				params.id,
				params.assignmentId,
				form.get('reason')
			);
			return 'assignment-withdrawn';
		})
};
