import type { Db } from '../db/types.ts';
import type { CourseContent } from './content-schema.ts';
import { registerCourseRows } from './queries.ts';

/**
 * Registers the content's courses by slug at start-up: new ones are added, changed ones updated
 * (ids never change, so records stay attached), and native courses no longer in content/ are
 * marked inactive rather than deleted.
 */
export async function registerCourses(
	db: Db,
	catalogue: Map<string, CourseContent>
): Promise<void> {
	await registerCourseRows(db, catalogue);
}
