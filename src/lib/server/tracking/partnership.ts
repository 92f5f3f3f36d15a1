import type { Db } from '../db/types.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { assertAdmin } from '../auth/permissions.ts';
import {
	activeCourses,
	allOrganisations,
	dashboardFigures,
	monthlyCompletions
} from './queries.ts';

/**
 * "Is everyone trained?": every organisation side by side per required course, trend and laggards.
 * Read from the stored obligations on every request, so a change on any instance shows at once.
 */
export async function partnershipDashboard(db: Db, actor: AuthUser, now = new Date()) {
	assertAdmin(actor);
	const [figures, months, orgs, courseRows] = await Promise.all([
		dashboardFigures(db, { organisationIds: null }, now),
		monthlyCompletions(db, null, now),
		allOrganisations(db),
		activeCourses(db)
	]);
	const matrix = figures.matrix;
	const requiredCourses = courseRows.filter((c) => matrix.some((m) => m.courseId === c.id));
	const furthestBehind = figures.byOrganisation
		.filter((o) => o.required > 0)
		.sort((a, b) => a.rate - b.rate || b.overdue + b.expired - (a.overdue + a.expired))
		.slice(0, 3);
	return {
		figures,
		matrix,
		months,
		organisations: orgs,
		courses: requiredCourses,
		furthestBehind,
		asOf: now
	};
}
