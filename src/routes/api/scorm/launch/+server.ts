import { db } from '$lib/server/app';
import { launchItem } from '$lib/server/scorm/runtime';
import { scormSettings } from '$lib/server/scorm/settings';
import { runtimeEndpoint } from '$lib/server/scorm/http';

/** Launches one part of a SCORM course for the signed-in learner: returns what the player needs. */
export const POST = runtimeEndpoint('launch', (event, body) =>
	launchItem(db(), event.locals.user!, body.value, { contentOrigin: scormSettings().contentOrigin })
);
