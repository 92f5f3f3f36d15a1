import { json, type RequestHandler } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import { launchItem } from '$lib/server/scorm/runtime';
import { scormSettings } from '$lib/server/scorm/settings';
import { checkOrigin, errorResponse, readJsonBody } from '$lib/server/scorm/http';

/** Launches one part of a SCORM course for the signed-in learner: returns what the player needs. */
export const POST: RequestHandler = async (event) => {
	const refused = checkOrigin(event);
	if (refused) return refused;
	const body = await readJsonBody(event.request);
	if (body instanceof Response) return body;
	try {
		const info = await launchItem(db(), event.locals.user!, body.value, { contentOrigin: scormSettings().contentOrigin });
		return json({ result: true, errorCode: 0, ...info }, { headers: { 'cache-control': 'no-store' } });
	} catch (e) {
		return errorResponse(e, 'launch');
	}
};
