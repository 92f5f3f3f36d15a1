import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Options, Sql } from 'postgres';
import type { AppConfig } from '../config.ts';
import * as schema from './schema.ts';
import type { Db } from './types.ts';
import { acquireDataDirLock } from './pglite-lock.ts';
import { alwaysAvailable, createAvailability, type Availability } from './availability.ts';
import { logger } from '../logger.ts';

/** The name this process gives its PostgreSQL connections, so metrics can count its own pool. */
export const applicationName = `safer-learning/${process.pid}`;

export interface DatabaseHandle {
	db: Db;
	driver: 'postgres' | 'pglite';
	/** For libraries that bring their own connection (the job queue). */
	raw: { kind: 'postgres'; url: string; client: Sql } | { kind: 'pglite'; client: PGlite };
	/** Answers whether the database responds within the timeout. */
	ping(timeoutMs?: number): Promise<boolean>;
	/** whether the database is believed reachable (a breaker that fails requests fast when not) */
	availability: Availability;
	close(): Promise<void>;
}

/** postgres.js when a URL is given, PGlite (embedded, under dataDir) otherwise. */
export async function openDatabase(
	cfg: Pick<AppConfig, 'databaseUrl' | 'dataDir'>,
	options: { inMemory?: boolean } = {}
): Promise<DatabaseHandle> {
	if (cfg.databaseUrl) {
		const { default: postgres } = await import('postgres');
		const { drizzle } = await import('drizzle-orm/postgres-js');
		const client = postgres(cfg.databaseUrl, {
			max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
			onnotice: () => {},
			connect_timeout: 2,
			idle_timeout: 30,
			connection: { application_name: applicationName },
			// The default backoff grows to 20 s between attempts; after an outage the pool should be
			// back within a second of the database (the availability breaker spares the database
			// a stampede meanwhile).
			backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1)
		});
		const db = drizzle(preparingClient(client), { schema }) as unknown as Db;
		const url = cfg.databaseUrl;
		const availability = createAvailability({
			probe: () => probeOnce(postgres, url, 750),
			onChange: (down) =>
				down
					? logger.warn('database unreachable; answering 503 until it is back')
					: logger.info('database reachable again')
		});
		return {
			db,
			driver: 'postgres',
			raw: { kind: 'postgres', url: cfg.databaseUrl, client },
			ping: (timeoutMs = 2000) =>
				withTimeout(
					client`select 1`.then(() => true),
					timeoutMs
				),
			availability,
			close: async () => {
				availability.stop();
				await client.end({ timeout: 5 });
			}
		};
	}
	const { PGlite } = await import('@electric-sql/pglite');
	const { drizzle } = await import('drizzle-orm/pglite');
	let release = () => {};
	let client: PGlite;
	// One process is the only client, so Postgres's buffer cache need not be its default 128 MB:
	// the operating system caches the data files too. At 32 MB the process starts about 0.1 s sooner
	// (less memory to set up) and holds about 100 MB less (docs/benchmarks.md, "A lean process").
	const sharedBuffers = process.env.EMBEDDED_SHARED_BUFFERS?.trim() || '32MB';
	if (!/^\d+(kB|MB|GB)$/.test(sharedBuffers))
		throw new Error(
			`EMBEDDED_SHARED_BUFFERS: "${sharedBuffers}" is not a size such as 32MB (kB, MB or GB)`
		);
	const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`];
	if (options.inMemory) {
		client = new PGlite({ startParams });
	} else {
		const dir = path.join(cfg.dataDir, 'pglite');
		release = acquireDataDirLock(cfg.dataDir);
		try {
			client = new PGlite(dir, { startParams });
			await client.waitReady;
		} catch (error) {
			release();
			throw error;
		}
	}
	const db = drizzle(client, { schema }) as unknown as Db;
	return {
		db,
		driver: 'pglite',
		raw: { kind: 'pglite', client },
		ping: (timeoutMs = 2000) =>
			withTimeout(
				client.query('select 1').then(() => true),
				timeoutMs
			),
		availability: alwaysAvailable,
		close: async () => {
			await client.close();
			release();
		}
	};
}

/** One question on a connection of its own, so that it never waits behind the pool's queue. */
async function probeOnce(
	postgres: (url: string, options: Options<Record<string, never>>) => Sql,
	url: string,
	timeoutMs: number
): Promise<boolean> {
	// No type fetching (nothing to decode), and the client is ended only once its one query has
	// settled: ending it mid-connect rejected internal promises nobody handles, ending the process.
	const probe = postgres(url, {
		max: 1,
		connect_timeout: Math.ceil(timeoutMs / 1000),
		idle_timeout: 1,
		fetch_types: false,
		onnotice: () => {}
	});
	const answered = probe`select 1`.then(
		() => true,
		() => false
	);
	void answered.finally(() => probe.end({ timeout: 1 }).catch(() => {}));
	return withTimeout(answered, timeoutMs);
}

async function withTimeout(probe: Promise<boolean>, ms: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<boolean>((resolve) => {
		timer = setTimeout(() => resolve(false), ms);
	});
	try {
		return await Promise.race([probe.catch(() => false), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/**
 * drizzle asks postgres.js not to prepare unnamed queries, so PostgreSQL parses and plans every
 * query on every request; for the short queries behind each page that planning costs more than
 * running them. Query texts are fixed by the code (values are always parameters), so preparing each
 * text once per connection is bounded, except where a list becomes one parameter per item
 * (`inArray`): each length is a new text, so long parameter lists stay unprepared. Transactions use
 * their own client and stay unprepared; queries without parameters (migrations, DDL) are sent as
 * simple queries by postgres.js whatever this says.
 */
const MAX_PREPARED_PARAMS = 32;

function preparingClient(client: Sql): Sql {
	const unsafe: Sql['unsafe'] = (query, params, options) =>
		client.unsafe(query, params, {
			...options,
			prepare: (params?.length ?? 0) <= MAX_PREPARED_PARAMS || options?.prepare === true
		});
	return new Proxy(client, {
		get: (target, key, receiver) => (key === 'unsafe' ? unsafe : Reflect.get(target, key, receiver))
	});
}
