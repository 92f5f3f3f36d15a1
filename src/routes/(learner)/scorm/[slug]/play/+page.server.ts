import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { scormOverview } from '$lib/server/scorm/runtime';
import { scormSettings } from '$lib/server/scorm/settings';
import { orErrorPage } from '$lib/server/http/forms';

/** The player shell: the contents and where to go; the launch itself is a POST from the page. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const course = await orErrorPage(scormOverview(db(), locals.user!, params.slug));
	const item = url.searchParams.get('item');
	return {
		course,
		requestedItem:
			item && course.toc.some((t) => t.identifier === item && t.launchable) ? item : null,
		contentOrigin: scormSettings().contentOrigin
	};
};
