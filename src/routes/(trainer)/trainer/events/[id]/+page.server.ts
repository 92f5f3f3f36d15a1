import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { markAttendance, register } from '$lib/server/events/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, params }) => {
	const r = await orErrorPage(register(db(), locals.user!, params.id));
	const now = Date.now();
	return {
		...r,
		sessions: r.sessions.map((s) => ({ ...s, started: s.startsAt.getTime() <= now }))
	};
};

export const actions: Actions = {
	mark: async ({ request, locals, params }) => {
		const form = await readForm(request);
		const values = formToObject(form);
		try {
			const r = await markAttendance(
				db(),
				locals.user!,
				params.id,
				String(form.get('sessionId') ?? ''),
				values
			);
			return {
				saved: `Attendance saved.${r.completed ? ` ${r.completed} ${r.completed === 1 ? 'person has' : 'people have'} now completed the course.` : ''}${r.corrected ? ` ${r.corrected} ${r.corrected === 1 ? 'correction' : 'corrections'} recorded in the audit log.` : ''}`,
				sessionId: String(form.get('sessionId'))
			};
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
