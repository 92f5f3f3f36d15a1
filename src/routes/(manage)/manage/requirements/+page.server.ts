import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { createRequirement, listRequirements, retireRequirement, trackingChoices } from '$lib/server/tracking/service';
import { failFromError, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals }) => ({
	requirements: await listRequirements(db(), locals.user!),
	choices: await trackingChoices(db(), locals.user!),
	isAdmin: locals.user!.isAdmin
});

export const actions: Actions = {
	create: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			await createRequirement(db(), locals.user!, formToObject(form));
			return { saved: 'Requirement added. Everyone it applies to now sees the course as required.' };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	retire: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			await retireRequirement(db(), locals.user!, String(form.get('id') ?? ''), form.get('reason'));
			return { saved: 'Requirement removed. Completions already recorded are kept.' };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
