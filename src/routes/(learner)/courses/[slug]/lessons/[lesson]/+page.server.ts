import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { checkKnowledge, openLesson } from '$lib/server/courses/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, params }) => await orErrorPage(openLesson(db(), locals.user!, params.slug, params.lesson));

export const actions: Actions = {
	check: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			return { check: await checkKnowledge(db(), locals.user!, params.slug, formToObject(form)) };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
