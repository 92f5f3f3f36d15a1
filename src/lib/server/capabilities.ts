import type { DatabaseHandle } from './db/client.ts';
import { startJobs, stopJobs } from './reminders/jobs.ts';
import { courseCatalogue } from './courses/content.ts';
import { registerCourses } from './courses/register.ts';
import { startCertificates } from './certificates/service.ts';
import { startContentServer, stopContentServer } from './scorm/content-server.ts';

/**
 * What each capability does once the database is migrated and seeded, in order. One line each,
 * so that adding a capability never means editing start-up logic.
 */
export async function startCapabilities(handle: DatabaseHandle): Promise<void> {
	const db = handle.db;
	await registerCourses(db, courseCatalogue());
	await startCertificates(db);
	await startJobs(handle);
	await startContentServer(db);
}

/** Undo what startCapabilities started (timers, job workers, extra servers), for a clean shutdown. */
export async function stopCapabilities(): Promise<void> {
	await stopJobs();
	await stopContentServer();
}
