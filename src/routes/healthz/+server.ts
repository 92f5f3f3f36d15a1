import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { database } from '$lib/server/app';

/** For load balancers and monitoring: 200 when the database answers within 2 seconds, 503 when not. */
export const GET: RequestHandler = async () => {
	const ok = await database().ping(2000);
	return json(ok ? { status: 'ok' } : { status: 'unavailable', database: 'unreachable' }, {
		status: ok ? 200 : 503,
		headers: { 'Cache-Control': 'no-store' }
	});
};
