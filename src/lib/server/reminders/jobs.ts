import type { DatabaseHandle } from '../db/client.ts';
import { runReminders } from './service.ts';
import { deleteExpiredSessions } from '../auth/sessions.ts';
import { startQueue, stopQueue } from '../jobs/queue.ts';
import {
	closeTransports,
	emailSettings,
	enqueueOrphans,
	prepareEmailQueue,
	startEmailWorker
} from '../email/mailer.ts';
import { logger } from '../logger.ts';
import { registerQueueMetrics } from '../jobs/metrics.ts';
import { runRetention } from '../privacy/service.ts';
import { runEventJobs } from '../events/service.ts';

/**
 * Jobs on pg-boss, in the same database: the email worker, and the scheduled reminders (then
 * removing expired sessions). The schedule lives in Postgres, so across several instances each
 * tick runs once, and the reminder log makes each email go once even if a tick runs twice. On the
 * embedded database pg-boss runs on PGlite in-process. With JOBS_DISABLED=true an instance still
 * enqueues (emails are jobs) but runs no worker or schedule.
 */
const QUEUE = 'reminders';
let stopMetrics: (() => void) | undefined;
let lateSweep: NodeJS.Timeout | undefined;
/**
 * A request whose transaction began before the queue was ready wrote its email with no job; the
 * worker's first sweep cannot see it if that transaction was still open. Requests end within
 * seconds, so one more sweep half a minute later enqueues any such message.
 */
const LATE_SWEEP_MS = 30_000;
/** Retention periods from the partnership file, applied nightly (privacy/service.ts). */
const RETENTION_QUEUE = 'retention';

export async function startJobs(handle: DatabaseHandle): Promise<void> {
	const work = process.env.JOBS_DISABLED !== 'true';
	const boss = await startQueue(handle, { work });
	const settings = emailSettings();
	await prepareEmailQueue(boss, settings);
	stopMetrics = registerQueueMetrics(boss, [QUEUE, RETENTION_QUEUE, 'email']);
	if (!work) return;
	await startEmailWorker(handle.db, boss, settings);
	lateSweep = setTimeout(() => {
		enqueueOrphans(handle.db).catch((error: unknown) =>
			logger.error('email sweep failed', { error: String(error) })
		);
	}, LATE_SWEEP_MS);
	lateSweep.unref();
	await boss.createQueue(QUEUE);
	await boss.schedule(QUEUE, process.env.REMINDERS_CRON ?? '5 * * * *', null, {
		tz: 'Europe/London'
	});
	await boss.work(QUEUE, async () => {
		await runReminders(handle.db);
		await runEventJobs(handle.db);
		await deleteExpiredSessions(handle.db);
	});
	await boss.createQueue(RETENTION_QUEUE);
	await boss.schedule(RETENTION_QUEUE, process.env.RETENTION_CRON ?? '30 2 * * *', null, {
		tz: 'Europe/London'
	});
	await boss.work(RETENTION_QUEUE, async () => {
		await runRetention(handle.db);
	});
	// Catch up at start-up (after downtime, say) rather than waiting for the next tick. Several
	// instances starting together queue one job between them; the reminder log does the rest.
	await boss.send(QUEUE, {}, { singletonKey: 'startup', singletonSeconds: 60 });
}

export async function stopJobs(): Promise<void> {
	clearTimeout(lateSweep);
	stopMetrics?.();
	stopMetrics = undefined;
	await stopQueue();
	closeTransports();
}
