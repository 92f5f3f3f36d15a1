import { error, redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';
import { isServiceError, ValidationError } from '$lib/server/errors';
import { exportFileName, exportForRequest, exportHtml } from '$lib/server/privacy/service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An admin downloads what is held about someone for a request made another way; audit-logged with the reason. */
export const POST: RequestHandler = async ({ request, locals, params }) => {
	// Only a person's id can name a person; anything else (the fuzz test sends many) is a 404.
	if (!UUID.test(params.id)) error(404, 'We could not find that person.');
	const form = formToObject(await readForm(request));
	const format = form.format === 'json' ? 'json' : 'html';
	let data;
	try {
		data = await exportForRequest(db(), locals.user!, params.id, form, format);
	} catch (e) {
		if (e instanceof ValidationError)
			redirect(303, `/admin/privacy/people/${params.id}?exportError=reason#export`);
		if (isServiceError(e)) error(e.status, e.message);
		throw e;
	}
	return new Response(format === 'json' ? JSON.stringify(data, null, 2) : exportHtml(data), {
		headers: {
			'Content-Type':
				format === 'json' ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
			'Content-Disposition': `attachment; filename="${exportFileName(data, format)}"`,
			'Cache-Control': 'no-store'
		}
	});
};
