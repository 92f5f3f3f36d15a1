import { db } from '$lib/server/app';
import { commitRuntime } from '$lib/server/scorm/runtime';
import { runtimeEndpoint } from '$lib/server/scorm/http';

/**
 * Stores a commit for the signed-in learner's own launch: JSON from the player while it runs, or
 * the same JSON as text/plain from navigator.sendBeacon when the page is closed.
 */
export const POST = runtimeEndpoint('commit', (event, body) => commitRuntime(db(), event.locals.user!, body.value, body.beacon ? 'beacon' : 'fetch', body.bytes));
