import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { importPackage, listPackages } from '$lib/server/scorm/packages';
import { importDeps } from '$lib/server/scorm/deps';
import { failFromError } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import { readUploadForm, withUploadedFile } from './upload';

export const load: PageServerLoad = async ({ locals }) => ({
	packages: await listPackages(db(), locals.user!),
	uploadLimitBytes: importDeps().uploadLimitBytes
});

export const actions: Actions = {
	upload: async ({ request, locals }) => {
		const form = await readUploadForm(request);
		let id: string;
		try {
			({ packageId: id } = await withUploadedFile(form, (file) =>
				importPackage(db(), locals.user!, file, formToObject(form.fields), importDeps())
			));
		} catch (e) {
			return failFromError(e, form.fields);
		}
		redirect(303, `/admin/scorm/${id}?uploaded=1`);
	}
};
