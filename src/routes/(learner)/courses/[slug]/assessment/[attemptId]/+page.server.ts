import { error, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { attemptForTaking, saveAnswers } from '$lib/server/assessment/service';
import { ConflictError } from '$lib/server/errors';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

/** One question per screen (phones first); `?q=N` picks it, otherwise the first not yet answered. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const attempt = await orErrorPage(
		attemptForTaking(db(), locals.user!, params.slug, params.attemptId)
	);
	const base = `/courses/${params.slug}/assessment/${params.attemptId}`;
	if (attempt.submitted) redirect(303, `${base}/result`);
	const asked = url.searchParams.get('q');
	if (asked === null) {
		// Resume at the first unanswered question, with its number in the address so a reload stays there.
		const next = attempt.questions.find((q) => q.chosen === null);
		redirect(303, next ? `${base}?q=${next.number}` : `${base}/check`);
	}
	const number = /^\d{1,3}$/.test(asked) ? Number(asked) : 0;
	if (number < 1 || number > attempt.total)
		error(404, 'There is no such question in this assessment.');
	return {
		slug: params.slug,
		base,
		courseTitle: attempt.courseTitle,
		passMark: attempt.passMark,
		total: attempt.total,
		answered: attempt.answered,
		question: attempt.questions[number - 1]!,
		overview: attempt.questions.map((q) => ({ number: q.number, answered: q.chosen !== null }))
	};
};

async function save(
	request: Request,
	locals: App.Locals,
	params: { slug: string; attemptId: string }
) {
	const form = await readForm(request);
	try {
		return {
			form,
			result: await saveAnswers(
				db(),
				locals.user!,
				params.slug,
				params.attemptId,
				formToObject(form)
			)
		};
	} catch (e) {
		if (e instanceof ConflictError)
			redirect(303, `/courses/${params.slug}/assessment/${params.attemptId}/result`);
		return { form, failure: failFromError(e, form) };
	}
}

export const actions: Actions = {
	/** With JavaScript: the answer is saved the moment it is chosen. */
	answer: async ({ request, locals, params }) => {
		const saved = await save(request, locals, params);
		if ('failure' in saved) return saved.failure;
		return { saved: true, answered: saved.result.answered, total: saved.result.total };
	},
	/** Without (or with) JavaScript: "Save and continue", or go back a question, keeping the answer. */
	save: async ({ request, locals, params }) => {
		const saved = await save(request, locals, params);
		if ('failure' in saved) return saved.failure;
		const base = `/courses/${params.slug}/assessment/${params.attemptId}`;
		const current = Number(saved.form.get('number'));
		const total = saved.result.total;
		const go = saved.form.get('go');
		if (!Number.isInteger(current) || current < 1 || current > total) redirect(303, base);
		if (go === 'previous') redirect(303, `${base}?q=${Math.max(1, current - 1)}`);
		if (go === 'check' || current >= total) redirect(303, `${base}/check`);
		redirect(303, `${base}?q=${current + 1}`);
	}
};
