import { config, productionProblems } from './config.ts';
import { openDatabase, type DatabaseHandle } from './db/client.ts';
import { alwaysAvailable, isConnectionError, type Availability } from './db/availability.ts';
import type { Db } from './db/types.ts';
import { latestMigrationTag, migrate } from './db/migrate.ts';
import { fingerprintOf, whenChanged } from './db/fingerprint.ts';
import { partnershipFileText, readPartnershipFile } from './partnership/seed-file.ts';
import { seedPartnership } from './partnership/service.ts';
import { announceSetupIfNeeded } from './auth/service.ts';
import { logger } from './logger.ts';
import { startCapabilities, stopCapabilities } from './capabilities.ts';
import { timed, type StartupSteps } from './startup-steps.ts';

/**
 * The process-wide database handle. Everything per-request lives in Postgres, so any number of
 * instances can run side by side (on PostgreSQL; PGlite is single-process by nature).
 */
let handle: DatabaseHandle | undefined;
export function db(): Db {
	if (!handle) throw new Error('The database is not open yet');
	return handle.db;
}

export function database(): DatabaseHandle {
	if (!handle) throw new Error('The database is not open yet');
	return handle;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens the database, migrates under an advisory lock, seeds the partnership and announces setup. */
export async function startApp(): Promise<void> {
	if (handle) return;
	const problems = productionProblems();
	if (problems.length) throw new Error(`Not starting in production:\n- ${problems.join('\n- ')}`);
	const started = performance.now();
	const retryUntil = Date.now() + Number(process.env.DATABASE_STARTUP_WAIT_SECONDS ?? 60) * 1000;
	const steps: StartupSteps = {};
	for (let attempt = 1; ; attempt++) {
		try {
			handle = await timed(steps, 'open', () => openDatabase(config));
			const db = handle.db;
			const applied = await timed(steps, 'migrate', () => migrate(db, config.migrationsDir));
			if (applied.length) logger.info('database migrated', { applied });
			// Seeded again only when partnership.yaml (or the schema) changed since the last start.
			const text = partnershipFileText(config.contentDir);
			const fingerprint = fingerprintOf({
				'partnership.yaml': text,
				schema: latestMigrationTag(config.migrationsDir)
			});
			await timed(steps, 'seed', () =>
				whenChanged(db, 'partnership', fingerprint, () =>
					seedPartnership(db, readPartnershipFile(config.contentDir, text))
				)
			);
			await startCapabilities(handle, steps);
			break;
		} catch (error) {
			const retry =
				handle?.driver === 'postgres' && isConnectionError(error) && Date.now() < retryUntil;
			await handle?.close().catch(() => {});
			handle = undefined;
			if (!retry) throw error;
			logger.warn('database not reachable at start-up; retrying', { attempt });
			await sleep(Math.min(5000, 500 * attempt));
		}
	}
	const origin = config.origin ?? `http://localhost:${process.env.PORT ?? 3000}`;
	const db = handle.db;
	await timed(steps, 'announceSetup', () => announceSetupIfNeeded(db, origin));
	// sinceProcessStartMs includes loading the code before start-up began.
	logger.info('ready', {
		driver: handle.driver,
		startupMs: Math.round(performance.now() - started),
		sinceProcessStartMs: Math.round(performance.now()),
		steps,
		rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20)
	});
}

export async function stopApp(): Promise<void> {
	await stopCapabilities();
	await handle?.close();
	handle = undefined;
}

export { isConnectionError };

/** The breaker that answers 503 at once while the database is unreachable (see db/availability.ts). */
export function availability(): Availability {
	return handle?.availability ?? alwaysAvailable;
}
