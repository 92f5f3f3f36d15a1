import { eq } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db/types.ts';
import {
	courseProgress,
	courses,
	lessonVisits,
	type Audience
} from '../../src/lib/server/db/schema.ts';
import { lessonsFor, type CourseContent } from '../../src/lib/server/courses/content-schema.ts';

/**
 * Records every lesson on a person's path as done, as if they had worked through them: state for
 * tests whose journey starts at the assessment. The course must be registered.
 */
export async function markLessonsDone(
	db: Db,
	userId: string,
	audience: Audience,
	course: CourseContent,
	at = new Date()
): Promise<void> {
	const [row] = await db
		.select({ id: courses.id })
		.from(courses)
		.where(eq(courses.slug, course.slug));
	if (!row) throw new Error(`course ${course.slug} is not registered`);
	const path = lessonsFor(course, audience);
	await db.transaction(async (tx) => {
		await tx
			.insert(courseProgress)
			.values({
				userId,
				courseId: row.id,
				startedAt: at,
				lastLesson: path[path.length - 1]!.slug,
				lastActivityAt: at
			})
			.onConflictDoNothing();
		await tx
			.insert(lessonVisits)
			.values(path.map((l) => ({ userId, courseId: row.id, lesson: l.slug, firstVisitedAt: at })))
			.onConflictDoNothing();
	});
}
