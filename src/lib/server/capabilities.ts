import type { DatabaseHandle } from './db/client.ts';
import { timed, type StartupSteps } from './startup-steps.ts';
import { fingerprintOf, whenChanged } from './db/fingerprint.ts';
import { latestMigrationTag } from './db/migrate.ts';
import { config } from './config.ts';
import { startJobs, stopJobs } from './reminders/jobs.ts';
import { courseCatalogue, courseFilesFingerprint } from './courses/content.ts';
import { registerCourses } from './courses/register.ts';
import { startCertificates } from './certificates/service.ts';
import { startContentServer, stopContentServer } from './scorm/content-server.ts';
import { startSessionCache } from './auth/session-cache.ts';
import { registerDatabaseMetrics } from './db/metrics.ts';
import { applicationName } from './db/client.ts';

import { logger } from './logger.ts';
import { metrics } from './metrics.ts';

let jobsStarting: Promise<void> | undefined;
let stopSessionCache: (() => Promise<void>) | undefined;
let stopDatabaseMetrics: (() => void) | undefined;

/**
 * What each capability does once the database is migrated and seeded, in order. One line each,
 * so that adding a capability never means editing start-up logic.
 */
export async function startCapabilities(
	handle: DatabaseHandle,
	steps: StartupSteps = {}
): Promise<void> {
	const db = handle.db;
	const step = <T>(name: string, work: () => Promise<T>) => timed(steps, name, work);
	// Courses are parsed and registered only when their files (or the schema) changed since the
	// last start; otherwise the catalogue is parsed when a page first needs it.
	const courses = fingerprintOf({
		courses: courseFilesFingerprint(),
		schema: latestMigrationTag(config.migrationsDir)
	});
	await step('courses', () =>
		whenChanged(db, 'courses', courses, () => registerCourses(db, courseCatalogue()))
	);
	await step('certificates', () => startCertificates(db));
	// The job queue starts beside the first requests rather than before them (pg-boss's start is
	// the longest step, 1–2 s on the embedded database). A message queued before it is ready is
	// still written to the outbox in its transaction; the worker's sweeps enqueue it (email/mailer.ts).
	metrics.jobQueueUp.set(0);
	jobsStarting = step('jobs', () => startJobs(handle))
		.then(() => {
			metrics.jobQueueUp.set(1);
			logger.info('job queue started', { ms: steps.jobs });
		})
		.catch((error: unknown) =>
			logger.error('the job queue could not start: no emails or reminders from this instance', {
				error: String(error)
			})
		);
	await step('contentServer', () => startContentServer(db));
	// SESSION_CACHE=off: every request reads its session from the database (for measuring the cache).
	if (process.env.SESSION_CACHE !== 'off')
		stopSessionCache = await step('sessionCache', () => startSessionCache(handle));
	stopDatabaseMetrics = registerDatabaseMetrics(handle, applicationName);
}

/** Undo what startCapabilities started (timers, job workers, extra servers), for a clean shutdown. */
export async function stopCapabilities(): Promise<void> {
	await jobsStarting;
	jobsStarting = undefined;
	await stopJobs();
	metrics.jobQueueUp.set(0);
	await stopContentServer();
	await stopSessionCache?.();
	stopSessionCache = undefined;
	stopDatabaseMetrics?.();
	stopDatabaseMetrics = undefined;
}
