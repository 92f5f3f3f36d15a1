import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { attemptForTaking, submitAttempt } from '$lib/server/courses/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, params }) => {
	const attempt = await orErrorPage(attemptForTaking(db(), locals.user!, params.slug, params.attemptId));
	if (attempt.submitted) redirect(303, `/courses/${params.slug}/assessment/${params.attemptId}/result`);
	return { attempt, slug: params.slug };
};

export const actions: Actions = {
	submit: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await submitAttempt(db(), locals.user!, params.slug, params.attemptId, formToObject(form));
		} catch (e) {
			return failFromError(e, form);
		}
		redirect(303, `/courses/${params.slug}/assessment/${params.attemptId}/result`);
	}
};
