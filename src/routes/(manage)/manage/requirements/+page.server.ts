import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import {
	addRequirementRoute,
	checkRequirementCoverage,
	createRequirement,
	listRequirements,
	removeRequirementRoute,
	retireRequirement,
	trackingChoices
} from '$lib/server/tracking/service';
import { failFromError, readForm, safeValues } from '$lib/server/http/forms';
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
			return {
				saved: 'Requirement added. Everyone it applies to now sees the course as required.'
			};
		} catch (e) {
			return failFromError(e, form);
		}
	},
	/** "Check who this covers": counts, saves nothing, and gives the form back as it was filled in. */
	check: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			const coverage = await checkRequirementCoverage(db(), locals.user!, formToObject(form));
			return { coverage, values: safeValues(form) };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	addRoute: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			const { courseTitle } = await addRequirementRoute(db(), locals.user!, formToObject(form));
			return { saved: `${courseTitle} now meets the requirement too.` };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	removeRoute: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			await removeRequirementRoute(db(), locals.user!, form.get('route'), form.get('reason'));
			return { saved: 'Course taken off the requirement. Its completions are kept.' };
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
