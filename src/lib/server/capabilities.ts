import type { Db } from './db/types.ts';
import { courseCatalogue } from './courses/content.ts';
import { registerCourses } from './courses/register.ts';

/**
 * What each capability does once the database is migrated and seeded, in order. One line each,
 * so that adding a capability never means editing start-up logic.
 */
export async function startCapabilities(db: Db): Promise<void> {
	await registerCourses(db, courseCatalogue());
}

/** Undo what startCapabilities started (timers, job workers, extra servers), for a clean shutdown. */
export async function stopCapabilities(): Promise<void> {}
