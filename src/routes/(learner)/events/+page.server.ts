import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { parseFilter, upcomingFor } from '$lib/server/events/service';
import { ValidationError } from '$lib/server/errors';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, url }) => {
	// A filter typed wrongly shows its errors above the form and the unfiltered list, not an error page.
	let filter: ReturnType<typeof parseFilter> = {};
	let errors: Record<string, string> | undefined;
	try {
		filter = parseFilter(url.searchParams);
	} catch (e) {
		if (!(e instanceof ValidationError)) throw e;
		errors = e.fieldErrors;
	}
	const { courses, events } = await upcomingFor(db(), locals.user!, filter);
	return {
		errors,
		// What was typed, as the page shows it again (never `__proto__` and the like).
		values: formToObject(url.searchParams),
		filter: { course: filter.course ?? '', from: filter.from ?? '', mode: filter.mode ?? '' },
		courses,
		events: events.map((e) => ({
			id: e.event.id,
			title: e.event.title,
			courseTitle: e.courseTitle,
			organisationName: e.organisationName,
			firstStartsAt: new Date(e.firstStartsAt),
			sessionCount: e.sessionCount,
			online: e.online,
			placesLeft: e.placesLeft,
			waiting: e.waiting,
			myStatus: e.myStatus
		}))
	};
};
