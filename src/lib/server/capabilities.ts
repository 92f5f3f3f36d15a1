import type { DatabaseHandle } from './db/client.ts';
import { startJobs, stopJobs } from './reminders/jobs.ts';
import { courseCatalogue } from './courses/content.ts';
import { registerCourses } from './courses/register.ts';
import { startCertificates } from './certificates/service.ts';
import { startContentServer, stopContentServer } from './scorm/content-server.ts';
import { startSessionCache } from './auth/session-cache.ts';

let stopSessionCache: (() => Promise<void>) | undefined;

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
	stopSessionCache = await startSessionCache(handle);
}

/** Undo what startCapabilities started (timers, job workers, extra servers), for a clean shutdown. */
export async function stopCapabilities(): Promise<void> {
	await stopJobs();
	await stopContentServer();
	await stopSessionCache?.();
	stopSessionCache = undefined;
}
