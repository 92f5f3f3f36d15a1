import { PgBoss, fromPglite } from 'pg-boss';
import type { DatabaseHandle } from '../db/client.ts';
import { logger } from '../logger.ts';
import { runReminders } from './service.ts';
import { deleteExpiredSessions } from '../auth/sessions.ts';

/**
 * Scheduled jobs on pg-boss, in the same database (reminders, then removing expired sessions): the schedule lives in Postgres, so across
 * several instances each tick runs once, and the reminder log makes each email go once even if a
 * tick runs twice. On the embedded database pg-boss runs on PGlite in-process.
 */
const QUEUE = 'reminders';
let boss: PgBoss | undefined;

export async function startJobs(handle: DatabaseHandle): Promise<void> {
	if (process.env.JOBS_DISABLED === 'true' || boss) return;
	boss = handle.raw.kind === 'pglite'
		? new PgBoss({ db: fromPglite(handle.raw.client), backend: 'pglite', schema: 'pgboss' })
		: new PgBoss({ connectionString: handle.raw.url, schema: 'pgboss', max: 3 });
	boss.on('error', (error) => logger.error('job queue error', { error: String(error) }));
	await boss.start();
	await boss.createQueue(QUEUE);
	await boss.schedule(QUEUE, process.env.REMINDERS_CRON ?? '5 * * * *', null, { tz: 'Europe/London' });
	await boss.work(QUEUE, async () => {
		await runReminders(handle.db);
		await deleteExpiredSessions(handle.db);
	});
	// Catch up at start-up (after downtime, say) rather than waiting for the next tick. Several
	// instances starting together queue one job between them; the reminder log does the rest.
	await boss.send(QUEUE, {}, { singletonKey: 'startup', singletonSeconds: 60 });
}

export async function stopJobs(): Promise<void> {
	await boss?.stop({ graceful: true, timeout: 10_000 });
	boss = undefined;
}
