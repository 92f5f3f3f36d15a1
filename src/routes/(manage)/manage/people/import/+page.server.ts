import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import {
	commitImport,
	IMPORT_COLUMNS,
	MAX_IMPORT_BYTES,
	previewImport
} from '$lib/server/people/import';
import { mailContext } from '$lib/server/http/context';
import { failFromError, readForm } from '$lib/server/http/forms';
import { ValidationError } from '$lib/server/errors';

export const load: PageServerLoad = () => ({ columns: IMPORT_COLUMNS });

/** The CSV comes from an uploaded file or, on the confirm step, from the hidden field of the preview. */
async function csvFrom(form: FormData): Promise<string> {
	const file = form.get('file');
	if (file instanceof File && file.size > 0) {
		if (file.size > MAX_IMPORT_BYTES)
			throw new ValidationError({ file: 'The file must be smaller than 2 MB' });
		const text = await file.text();
		if (text.includes('\u0000'))
			throw new ValidationError({
				file: 'The file must be a CSV file (text), not a spreadsheet or other file'
			});
		return text;
	}
	const csv = form.get('csv');
	if (typeof csv === 'string' && csv.trim()) return csv;
	throw new ValidationError({ file: 'Choose a CSV file to import' });
}

/** The CSV file (or, on commit, its text percent-encoded in a field) may be larger than other forms. */
const IMPORT_FORM_BYTES = 3 * MAX_IMPORT_BYTES + 64 * 1024;

export const actions: Actions = {
	preview: async ({ request, locals }) => {
		const form = await readForm(request, IMPORT_FORM_BYTES);
		try {
			const csv = await csvFrom(form);
			const preview = await previewImport(db(), locals.user!, csv);
			// Rows with problems are bad input: the preview comes back as a 400 listing each one.
			if (preview.counts.error > 0) return fail(400, { preview, csv });
			return { preview, csv };
		} catch (e) {
			return failFromError(e, form);
		}
	},
	commit: async ({ request, locals, url }) => {
		const form = await readForm(request, IMPORT_FORM_BYTES);
		try {
			const counts = await commitImport(
				db(),
				locals.user!,
				await csvFrom(form),
				await mailContext(url)
			);
			return { imported: counts };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
