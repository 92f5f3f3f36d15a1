import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import {
	carryOutRequest,
	liftRestriction,
	previewRequest,
	requestKinds,
	requestSubject
} from '$lib/server/privacy/service';

/** A preview is a read (GET ?kind=…); only the confirmation changes anything. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const person = await orErrorPage(requestSubject(db(), locals.user!, params.id));
	const kind = url.searchParams.get('kind');
	const preview =
		kind && (requestKinds as readonly string[]).includes(kind)
			? await previewRequest(db(), locals.user!, params.id, kind)
			: null;
	const exportError = url.searchParams.get('exportError');
	return {
		person,
		preview,
		exportError: exportError
			? 'Enter how the request was made and when, for the audit log (at least 3 characters)'
			: null
	};
};

export const actions: Actions = {
	confirm: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			const done = await carryOutRequest(db(), locals.user!, params.id, formToObject(form));
			return { done: done.kind };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	lift: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await liftRestriction(db(), locals.user!, params.id, formToObject(form));
			return { lifted: true };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
