import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { exportFileName, myData } from '$lib/server/privacy/service';

/** Everything held about the signed-in person, as JSON (a read: nothing is changed). */
export const GET: RequestHandler = async ({ locals }) => {
	const data = await myData(db(), locals.user!);
	return new Response(JSON.stringify(data, null, 2), {
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Disposition': `attachment; filename="${exportFileName(data, 'json')}"`,
			'Cache-Control': 'no-store'
		}
	});
};
