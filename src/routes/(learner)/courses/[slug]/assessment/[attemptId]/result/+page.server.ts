import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { attemptResult } from '$lib/server/assessment/service';
import { resultNextSteps } from '$lib/server/courses/next-steps';
import { orErrorPage } from '$lib/server/http/forms';

export const load: PageServerLoad = async ({ locals, params }) => {
	const result = await orErrorPage(
		attemptResult(db(), locals.user!, params.slug, params.attemptId)
	);
	const next = await resultNextSteps(db(), locals.user!, params.slug, {
		attemptId: params.attemptId,
		passed: result.passed,
		missedQuestions: result.questions.filter((q) => !q.correct).map((q) => q.question)
	});
	return { result, next, slug: params.slug };
};
