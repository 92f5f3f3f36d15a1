import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { calendarForLearner } from '$lib/server/events/service';
import { orErrorPage } from '$lib/server/http/forms';

/** The event in the learner's calendar, for people with a place. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const ics = await orErrorPage(calendarForLearner(db(), locals.user!, params.id));
	return new Response(ics, {
		headers: {
			'content-type': 'text/calendar; charset=utf-8',
			'content-disposition': 'attachment; filename="event.ics"',
			'cache-control': 'private, no-store'
		}
	});
};
