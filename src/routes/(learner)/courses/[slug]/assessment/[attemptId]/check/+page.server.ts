import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { attemptForTaking, submitAttempt } from '$lib/server/assessment/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';

/** "Check your answers" before submitting (GOV.UK pattern): every answer, with a way to change it. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const attempt = await orErrorPage(
		attemptForTaking(db(), locals.user!, params.slug, params.attemptId)
	);
	const base = `/courses/${params.slug}/assessment/${params.attemptId}`;
	if (attempt.submitted) redirect(303, `${base}/result`);
	return {
		slug: params.slug,
		base,
		courseTitle: attempt.courseTitle,
		total: attempt.total,
		answered: attempt.answered,
		questions: attempt.questions.map((q) => ({
			id: q.id,
			number: q.number,
			question: q.question,
			answer: q.chosen === null ? null : q.options[q.chosen]!
		}))
	};
};

export const actions: Actions = {
	submit: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await submitAttempt(db(), locals.user!, params.slug, params.attemptId);
		} catch (e) {
			return failFromError(e, form);
		}
		redirect(303, `/courses/${params.slug}/assessment/${params.attemptId}/result`);
	}
};
