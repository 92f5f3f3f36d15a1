import { config } from './config.ts';
import { openDatabase, type DatabaseHandle } from './db/client.ts';
import type { Db } from './db/types.ts';
import { migrate } from './db/migrate.ts';
import { readPartnershipFile } from './partnership/seed-file.ts';
import { seedPartnership } from './partnership/service.ts';
import { announceSetupIfNeeded } from './auth/service.ts';
import { logger } from './logger.ts';
import { startCapabilities, stopCapabilities } from './capabilities.ts';

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
	if (config.production && !config.origin)
		throw new Error('Set ORIGIN to the public address of the platform (for example https://learning.example.org): links in emails and certificates are built from it.');
	const started = performance.now();
	const retryUntil = Date.now() + Number(process.env.DATABASE_STARTUP_WAIT_SECONDS ?? 60) * 1000;
	for (let attempt = 1; ; attempt++) {
		try {
			handle = await openDatabase(config);
			const applied = await migrate(handle.db, config.migrationsDir);
			if (applied.length) logger.info('database migrated', { applied });
			await seedPartnership(handle.db, readPartnershipFile(config.contentDir));
			await startCapabilities(handle);
			break;
		} catch (error) {
			const retry = handle?.driver === 'postgres' && isConnectionError(error) && Date.now() < retryUntil;
			await handle?.close().catch(() => {});
			handle = undefined;
			if (!retry) throw error;
			logger.warn('database not reachable at start-up; retrying', { attempt });
			await sleep(Math.min(5000, 500 * attempt));
		}
	}
	const origin = config.origin ?? `http://localhost:${process.env.PORT ?? 3000}`;
	await announceSetupIfNeeded(handle.db, origin);
	logger.info('ready', { driver: handle.driver, startupMs: Math.round(performance.now() - started) });
}

export async function stopApp(): Promise<void> {
	await stopCapabilities();
	await handle?.close();
	handle = undefined;
}

const CONNECTION_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EPIPE',
	'ENOTFOUND',
	'CONNECT_TIMEOUT',
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED',
	'57P01', // admin shutdown
	'57P02',
	'57P03' // cannot connect now (starting up)
]);

/** True when the error (or anything it wraps) means the database cannot be reached. */
export function isConnectionError(error: unknown): boolean {
	for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
		e = (e as { cause?: unknown }).cause;
	}
	return false;
}
