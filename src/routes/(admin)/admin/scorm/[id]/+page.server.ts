import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { importPackage, packageDetail, updatePackageCourse } from '$lib/server/scorm/packages';
import { importDeps } from '$lib/server/scorm/deps';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import { readUploadForm, withUploadedFile } from '../upload';

export const load: PageServerLoad = async ({ locals, params, url }) => ({
	pkg: await orErrorPage(packageDetail(db(), locals.user!, params.id)),
	uploaded: url.searchParams.get('uploaded') === '1',
	uploadLimitBytes: importDeps().uploadLimitBytes
});

export const actions: Actions = {
	save: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await updatePackageCourse(db(), locals.user!, params.id, formToObject(form));
			return { saved: 'Course details saved.' };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	version: async ({ request, locals, params }) => {
		const form = await readUploadForm(request);
		try {
			const result = await withUploadedFile(form, (file) =>
				importPackage(db(), locals.user!, file, {}, importDeps(), params.id)
			);
			return { versionUploaded: result.number, warnings: result.warnings };
		} catch (e) {
			return failFromError(e, form.fields);
		}
	}
};
