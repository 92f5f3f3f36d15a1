import { and, eq, notInArray } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { courses } from '../db/schema.ts';
import type { CourseContent } from './content-schema.ts';

/**
 * Registers the content's courses by slug at start-up: new ones are added, changed ones updated
 * (ids never change, so records stay attached), and native courses no longer in content/ are
 * marked inactive rather than deleted.
 */
export async function registerCourses(db: Db, catalogue: Map<string, CourseContent>): Promise<void> {
	await db.transaction(async (tx) => {
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
			await tx.insert(courses).values({ slug: c.slug, kind: 'native', ...values }).onConflictDoUpdate({ target: courses.slug, set: values });
		}
		const slugs = [...catalogue.keys()];
		if (slugs.length)
			await tx.update(courses).set({ active: false }).where(and(eq(courses.kind, 'native'), notInArray(courses.slug, slugs)));
	});
}
