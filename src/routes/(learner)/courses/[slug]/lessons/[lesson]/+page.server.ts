import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { checkKnowledge, completeLesson, lessonPage } from '$lib/server/courses/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

// A pure read: opening a lesson (from a link, another site or a pop-up) changes nobody's record.
export const load: PageServerLoad = async ({ locals, params }) =>
	await orErrorPage(lessonPage(db(), locals.user!, params.slug, params.lesson));

export const actions: Actions = {
	check: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			return { check: await checkKnowledge(db(), locals.user!, params.slug, formToObject(form)) };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	/** "Next" or "Mark as done": the learner finished this lesson and moves on. */
	done: async ({ request, locals, params }) => {
		const form = await readForm(request);
		let next;
		try {
			next = await completeLesson(db(), locals.user!, params.slug, params.lesson);
		} catch (e) {
			return failFromError(e, form);
		}
		redirect(
			303,
			next.next
				? `/courses/${params.slug}/lessons/${next.next.slug}`
				: `/courses/${params.slug}#final-assessment`
		);
	}
};
