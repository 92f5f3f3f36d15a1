import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { courses, organisations } from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { assertAdmin } from '../auth/permissions.ts';
import { dashboardFigures, organisationCourseMatrix } from './dashboard.ts';
import { monthlyCompletions } from './service.ts';
import { cached } from './cache.ts';

/** "Is everyone trained?": every organisation side by side per required course, trend and laggards. */
export async function partnershipDashboard(db: Db, actor: AuthUser, now?: Date) {
	assertAdmin(actor);
	return now ? compute(db, actor, now) : cached('partnership', () => compute(db, actor, new Date()));
}

async function compute(db: Db, actor: AuthUser, now: Date) {
	const scope = { organisationIds: null };
	const [figures, matrix, months, orgs, courseRows] = await Promise.all([
		dashboardFigures(db, scope, now),
		organisationCourseMatrix(db, scope, now),
		monthlyCompletions(db, actor, now),
		db.select({ id: organisations.id, name: organisations.name }).from(organisations).orderBy(asc(organisations.name)),
		db.select({ id: courses.id, title: courses.title }).from(courses).where(eq(courses.active, true)).orderBy(asc(courses.title))
	]);
	const requiredCourses = courseRows.filter((c) => matrix.some((m) => m.courseId === c.id));
	const furthestBehind = figures.byOrganisation
		.filter((o) => o.required > 0)
		.sort((a, b) => a.rate - b.rate || b.overdue + b.expired - (a.overdue + a.expired))
		.slice(0, 3);
	return { figures, matrix, months, organisations: orgs, courses: requiredCourses, furthestBehind, asOf: now };
}
