import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { attemptResult } from '$lib/server/courses/service';
import { orErrorPage } from '$lib/server/http/forms';

export const load: PageServerLoad = async ({ locals, params }) => ({
	result: await orErrorPage(attemptResult(db(), locals.user!, params.slug, params.attemptId)),
	slug: params.slug
});
