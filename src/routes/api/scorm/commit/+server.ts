import { db } from '$lib/server/app';
import { commitRuntime } from '$lib/server/scorm/runtime';
import { runtimeEndpoint } from '$lib/server/scorm/http';
import { metrics } from '$lib/server/metrics';

/**
 * Stores a commit for the signed-in learner's own launch: JSON from the player while it runs, or
 * the same JSON as text/plain from navigator.sendBeacon when the page is closed.
 */
export const POST = runtimeEndpoint('commit', async (event, body) => {
	const result = await commitRuntime(
		db(),
		event.locals.user!,
		body.value,
		body.beacon ? 'beacon' : 'fetch',
		body.bytes
	);
	metrics.scormCommits.inc({
		outcome: result.duplicate ? 'duplicate' : result.stale ? 'stale' : 'applied'
	});
	return result;
});
