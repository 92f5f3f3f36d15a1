import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { exportFileName, exportHtml, myData } from '$lib/server/privacy/service';

/** The same as my-data.json, as a document to read or print. */
export const GET: RequestHandler = async ({ locals }) => {
	const data = await myData(db(), locals.user!);
	return new Response(exportHtml(data), {
		headers: {
			'Content-Type': 'text/html; charset=utf-8',
			'Content-Disposition': `attachment; filename="${exportFileName(data, 'html')}"`,
			'Cache-Control': 'no-store'
		}
	});
};
