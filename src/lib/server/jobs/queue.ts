import { sql } from 'drizzle-orm';
import type { DrizzleTransactionLike, JobInsert, PgBoss } from 'pg-boss';
import type { DatabaseHandle } from '../db/client.ts';
import type { Db } from '../db/types.ts';
import { logger } from '../logger.ts';

/**
 * The one pg-boss instance of this process, on the application's database (schema `pgboss`).
 * Side effects are enqueued through `enqueue(tx, …)` inside the transaction of the change that
 * causes them: pg-boss writes the job with our transaction's connection, so a rollback takes the
 * job with it and a commit makes it visible to every instance's workers.
 */
let boss: PgBoss | undefined;
/** pg-boss's adapter for our transactions, from the module loaded by startQueue. */
let fromDrizzle: (typeof import('pg-boss'))['fromDrizzle'] | undefined;

export interface QueueOptions {
	/** run workers and schedules here (false: only enqueue, e.g. JOBS_DISABLED) */
	work: boolean;
}

export async function startQueue(handle: DatabaseHandle, options: QueueOptions): Promise<PgBoss> {
	if (boss) return boss;
	// Loaded here, not at start-up: pg-boss and its dependencies are about 27 MB.
	const pgBoss = await import('pg-boss');
	const { PgBoss, fromPglite } = pgBoss;
	const config = {
		schema: 'pgboss',
		supervise: options.work,
		schedule: options.work,
		migrate: true
	};
	const created =
		handle.raw.kind === 'pglite'
			? new PgBoss({ ...config, db: fromPglite(handle.raw.client), backend: 'pglite' })
			: new PgBoss({ ...config, connectionString: handle.raw.url, max: 3 });
	created.on('error', (error) => logger.error('job queue error', { error: String(error) }));
	await created.start();
	fromDrizzle = pgBoss.fromDrizzle;
	boss = created;
	return created;
}

export async function stopQueue(): Promise<void> {
	const b = boss;
	boss = undefined;
	await b?.stop({ graceful: true, timeout: 10_000 });
}

export function queue(): PgBoss | undefined {
	return boss;
}

/**
 * Adds jobs inside the caller's transaction. Returns false when this process has no queue (a
 * script, a test without workers): the caller's own record must then let a worker find the work
 * later (the email outbox does).
 */
export async function enqueue(db: Db, name: string, jobs: JobInsert[]): Promise<boolean> {
	if (!boss || !fromDrizzle || !jobs.length) return false;
	// drizzle's execute() result type is driver-generic; at run time it is what fromDrizzle reads.
	await boss.insert(name, jobs, { db: fromDrizzle(db as unknown as DrizzleTransactionLike, sql) });
	return true;
}
