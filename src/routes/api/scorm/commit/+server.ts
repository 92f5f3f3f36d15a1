import { json, type RequestHandler } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import { commitRuntime } from '$lib/server/scorm/runtime';
import { checkOrigin, errorResponse, readJsonBody } from '$lib/server/scorm/http';

/**
 * Stores a commit for the signed-in learner's own launch: JSON from the player while it runs, or
 * the same JSON as text/plain from navigator.sendBeacon when the page is closed.
 */
export const POST: RequestHandler = async (event) => {
	const refused = checkOrigin(event);
	if (refused) return refused;
	const body = await readJsonBody(event.request);
	if (body instanceof Response) return body;
	try {
		const result = await commitRuntime(db(), event.locals.user!, body.value, body.beacon ? 'beacon' : 'fetch', body.bytes);
		return json({ result: true, errorCode: 0, ...result }, { headers: { 'cache-control': 'no-store' } });
	} catch (e) {
		return errorResponse(e, 'commit');
	}
};
