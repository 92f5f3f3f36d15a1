import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import type { AuthUser } from '$lib/server/auth/sessions';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { visiblePersonRow } from '$lib/server/people/service';
import { trackingChoices } from '$lib/server/tracking/service';

/**
 * What the person's page says after a task on its own page succeeded: the task redirects back
 * with `?done=<key>` (a fixed key, so the address cannot put words on the page).
 */
export const CONFIRMATIONS = {
	saved: 'Changes saved.',
	unchanged: 'Nothing was changed.',
	assigned: 'Course assigned.',
	recorded: 'Completion recorded.',
	'assignment-withdrawn': 'Assignment withdrawn.',
	'completion-withdrawn': 'Completion corrected. It stays in the history, marked as withdrawn.',
	deactivated: 'Account deactivated. Their learning records are kept.',
	reactivated: 'Account reactivated.'
} as const;

export type Confirmation = keyof typeof CONFIRMATIONS;

export function confirmationFor(done: string | null): string | null {
	return done && Object.hasOwn(CONFIRMATIONS, done) ? CONFIRMATIONS[done as Confirmation] : null;
}

/** Back to the person's page, with its confirmation banner (303: the browser follows with a GET). */
export function backToPerson(personId: string, done: Confirmation): never {
	redirect(303, `/manage/people/${personId}?done=${done}`);
}

/**
 * A task page's action: reads the form, does the work (the service checks permission and audits),
 * and goes back to the person's page; a failure stays on the task page with its own errors.
 */
export async function personTask(
	request: Request,
	personId: string,
	work: (form: FormData) => Promise<Confirmation>
) {
	const form = await readForm(request);
	let done: Confirmation;
	try {
		done = await work(form);
	} catch (e) {
		return failFromError(e, form);
	}
	backToPerson(personId, done);
}

/** The little of a person a task page shows: who it is about. */
export async function taskPerson(actor: AuthUser, personId: string) {
	const { id, name, status } = await orErrorPage(visiblePersonRow(db(), actor, personId));
	return { id, name, status };
}

/** For a task that chooses a course: the person and the courses on offer. */
export async function taskPersonAndCourses(actor: AuthUser, personId: string) {
	const [person, choices] = await Promise.all([
		taskPerson(actor, personId),
		trackingChoices(db(), actor)
	]);
	return { person, courses: choices.courses };
}
