import { and, desc, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { completions, courseProgress, courses, lessonVisits, localContacts } from '../db/schema.ts';
import { arrayLiteral, preparedPerDb, preparedSql } from '../db/prepared.ts';
import { jsonColumn } from '../db/migrate.ts';
import { markStarted, refreshObligations, statusSql } from '../tracking/queries.ts';
import type { CourseContent } from './content-schema.ts';

/**
 * Courses' SQL (catalogue, lesson progress, registration): takes a database or transaction and
 * makes no permission decisions. Assessment queries live with the assessment code.
 */

export async function activeCourseBySlug(db: Db, slug: string) {
	const [row] = await db
		.select()
		.from(courses)
		.where(and(eq(courses.slug, slug), eq(courses.active, true)));
	return row ?? null;
}

export interface LocalContactRow {
	topic: string;
	name: string;
	phone: string | null;
	url: string | null;
	notes: string | null;
}

/** The local contacts of the given topics (placeholder `topics`), in their set order, as JSON. */
const contactsJson = sql`coalesce((select json_agg(json_build_object('topic', lc.topic, 'name', lc.name,
	'phone', lc.phone, 'url', lc.url, 'notes', lc.notes) order by lc.sort_order, lc.id)
	from ${localContacts} lc where lc.topic = any(${sql.placeholder('topics')}::text[])), '[]'::json)`;

/**
 * An active course by slug with the lessons this learner has marked done and the local contacts
 * of the topics given (a lesson's WhoToContact blocks; none for the course page), in one round
 * trip: the lesson and course pages need them before anything else.
 */
const activeCourseWithVisitsQuery = preparedPerDb((db) =>
	db
		.select({
			course: courses,
			visited: sql<unknown>`coalesce((select json_agg(${lessonVisits.lesson}) from ${lessonVisits} where ${lessonVisits.userId} = ${sql.placeholder('userId')} and ${lessonVisits.courseId} = ${courses.id}), '[]'::json)`,
			contacts: sql<unknown>`${contactsJson}`
		})
		.from(courses)
		.where(and(eq(courses.slug, sql.placeholder('slug')), eq(courses.active, true)))
		.prepare('active_course_with_visits')
);

export async function activeCourseWithVisits(
	db: Db,
	slug: string,
	userId: string,
	contactTopics: readonly string[] = []
) {
	const [row] = await activeCourseWithVisitsQuery(db).execute({
		slug,
		userId,
		topics: arrayLiteral(contactTopics)
	});
	if (!row) return null;
	return {
		course: row.course,
		visited: new Set(jsonColumn<string[]>(row.visited)),
		contacts: jsonColumn<LocalContactRow[]>(row.contacts)
	};
}

export async function visitedLessons(
	db: Db,
	userId: string,
	courseId: string
): Promise<Set<string>> {
	const rows = await db
		.select({ lesson: lessonVisits.lesson })
		.from(lessonVisits)
		.where(and(eq(lessonVisits.userId, userId), eq(lessonVisits.courseId, courseId)));
	return new Set(rows.map((r) => r.lesson));
}

export async function latestCompletion(db: Db, userId: string, courseId: string) {
	const [row] = await db
		.select()
		.from(completions)
		.where(and(eq(completions.userId, userId), eq(completions.courseId, courseId)))
		.orderBy(desc(completions.completedAt))
		.limit(1);
	return row ?? null;
}

export async function progressOf(db: Db, userId: string, courseId: string) {
	const [row] = await db
		.select()
		.from(courseProgress)
		.where(and(eq(courseProgress.userId, userId), eq(courseProgress.courseId, courseId)));
	return row ?? null;
}

/**
 * Records that a learner opened (or finished) a lesson: the course started (first time), the place
 * to resume (`resumeAt`, by default the lesson itself) and the visit. Starting a course moves its obligation to "in progress", in the same transaction.
 * Returns whether this started the course.
 */
export async function recordLessonVisit(
	db: Db,
	userId: string,
	courseId: string,
	lesson: string,
	now: Date,
	resumeAt = lesson
): Promise<boolean> {
	return db.transaction(async (tx) => {
		const created = await tx
			.insert(courseProgress)
			.values({ userId, courseId, startedAt: now, lastLesson: resumeAt, lastActivityAt: now })
			.onConflictDoNothing()
			.returning({ userId: courseProgress.userId });
		if (!created.length)
			await tx
				.update(courseProgress)
				.set({ lastLesson: resumeAt, lastActivityAt: now })
				.where(and(eq(courseProgress.userId, userId), eq(courseProgress.courseId, courseId)));
		else await markStarted(tx, userId, courseId);
		await tx
			.insert(lessonVisits)
			.values({ userId, courseId, lesson, firstVisitedAt: now })
			.onConflictDoNothing();
		return created.length > 0;
	});
}

/**
 * Every active course with the learner's state in it and, where the course is required of them,
 * its stored obligation's status and date: one round trip, since this is the page learners land on,
 * built and prepared once.
 */
const learnerCourseRowsQuery = preparedSql<
	Record<string, unknown>,
	{ userId: string; now: string }
>(
	'learner_course_rows',
	sql`
		select c.slug, c.kind, c.title, c.summary, c.estimated_minutes, c.audiences,
			cp.last_activity_at, cp.last_lesson,
			(select json_agg(lv.lesson) from lesson_visits lv where lv.user_id = ${sql.placeholder('userId')}::uuid and lv.course_id = c.id) as lessons_done,
			(select max(cm.completed_at) from completions cm where cm.user_id = ${sql.placeholder('userId')}::uuid and cm.course_id = c.id and cm.voided_at is null) as completed_at,
			case when o.user_id is not null then ${statusSql(sql.placeholder('now'))} end as tracking_status, o.effective_due,
			-- Other courses that meet the requirement behind it (tracking's requirement_routes).
			case when cardinality(o.requirement_ids) > 0 then (
				select json_agg(r.title order by r.title) from (
					select distinct c2.title from requirement_routes rr join courses c2 on c2.id = rr.course_id
					where rr.requirement_id = any(o.requirement_ids) and rr.course_id <> c.id
				) r
			) end as also_met_by,
			cert.code as certificate_code, cert.expires_at as certificate_expires_at, cert.revoked_at as certificate_revoked_at, cert.voided_at as certificate_voided_at
		from courses c
		left join course_progress cp on cp.user_id = ${sql.placeholder('userId')}::uuid and cp.course_id = c.id
		left join obligations o on o.user_id = ${sql.placeholder('userId')}::uuid and o.course_id = c.id
		-- The newest certificate for the course, in the same round trip.
		left join lateral (
			select ce.code, ce.expires_at, ce.revoked_at, cv.voided_at from certificates ce join completions cv on cv.id = ce.completion_id
			where ce.user_id = ${sql.placeholder('userId')}::uuid and ce.course_id = c.id
			order by ce.completed_at desc, ce.issued_at desc limit 1
		) cert on true
		where c.active and c.kind <> 'external'
		order by c.title`
);

export function learnerCourseRows(db: Db, userId: string, now: Date) {
	return learnerCourseRowsQuery(db, { userId, now: now.toISOString() });
}

/**
 * Registers the content's courses by slug at start-up: new ones are added, changed ones updated
 * (ids never change, so records stay attached), and native courses no longer in content/ are
 * marked inactive rather than deleted. Obligations of courses whose validity or availability
 * changed are recomputed in the same transaction.
 */
export async function registerCourseRows(
	db: Db,
	catalogue: Map<string, CourseContent>
): Promise<void> {
	await db.transaction(async (tx) => {
		const before = new Map(
			(
				await tx
					.select({
						id: courses.id,
						slug: courses.slug,
						validityMonths: courses.validityMonths,
						active: courses.active
					})
					.from(courses)
			).map((c) => [c.slug, c])
		);
		const changed = new Set<string>();
		for (const c of catalogue.values()) {
			const values = {
				title: c.title,
				summary: c.summary,
				audiences: c.audiences,
				estimatedMinutes: c.estimatedMinutes,
				passMark: c.passMark,
				validityMonths: c.validityMonths,
				version: c.version,
				active: true,
				updatedAt: new Date()
			};
			const [row] = await tx
				.insert(courses)
				.values({ slug: c.slug, kind: 'native', ...values })
				.onConflictDoUpdate({ target: courses.slug, set: values })
				.returning({ id: courses.id });
			const old = before.get(c.slug);
			if (old && (old.validityMonths !== c.validityMonths || !old.active)) changed.add(row!.id);
		}
		const slugs = [...catalogue.keys()];
		if (slugs.length) {
			const retired = await tx
				.update(courses)
				.set({ active: false })
				.where(
					and(eq(courses.kind, 'native'), eq(courses.active, true), notInArray(courses.slug, slugs))
				)
				.returning({ id: courses.id });
			for (const r of retired) changed.add(r.id);
		}
		for (const courseId of changed) await refreshObligations(tx, { courseId });
	});
}
