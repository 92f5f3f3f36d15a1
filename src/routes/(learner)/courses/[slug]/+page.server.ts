import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { courseOverview } from '$lib/server/courses/service';
import { startAttempt } from '$lib/server/assessment/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';

export const load: PageServerLoad = async ({ locals, params }) => ({
	course: await orErrorPage(courseOverview(db(), locals.user!, params.slug))
});

export const actions: Actions = {
	start: async ({ request, locals, params }) => {
		const form = await readForm(request);
		let attemptId;
		try {
			({ attemptId } = await startAttempt(db(), locals.user!, params.slug));
		} catch (e) {
			return failFromError(e, form);
		}
		redirect(303, `/courses/${params.slug}/assessment/${attemptId}`);
	}
};
