import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { scormOverview, startAgain } from '$lib/server/scorm/runtime';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';

export const load: PageServerLoad = async ({ locals, params }) => ({
	course: await orErrorPage(scormOverview(db(), locals.user!, params.slug))
});

export const actions: Actions = {
	again: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await startAgain(db(), locals.user!, params.slug);
		} catch (e) {
			return failFromError(e, form);
		}
		redirect(303, `/scorm/${params.slug}/play`);
	}
};
