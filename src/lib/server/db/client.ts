import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import type { AppConfig } from '../config.ts';
import * as schema from './schema.ts';
import type { Db } from './types.ts';
import { acquireDataDirLock } from './pglite-lock.ts';

export interface DatabaseHandle {
	db: Db;
	driver: 'postgres' | 'pglite';
	/** For libraries that bring their own connection (the job queue). */
	raw: { kind: 'postgres'; url: string; client: Sql } | { kind: 'pglite'; client: PGlite };
	/** Answers whether the database responds within the timeout. */
	ping(timeoutMs?: number): Promise<boolean>;
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
			connect_timeout: 5,
			idle_timeout: 30
		});
		const db = drizzle(preparingClient(client), { schema }) as unknown as Db;
		return {
			db,
			driver: 'postgres',
			raw: { kind: 'postgres', url: cfg.databaseUrl, client },
			ping: (timeoutMs = 2000) => withTimeout(client`select 1`.then(() => true), timeoutMs),
			close: () => client.end({ timeout: 5 })
		};
	}
	const { PGlite } = await import('@electric-sql/pglite');
	const { drizzle } = await import('drizzle-orm/pglite');
	let release = () => {};
	let client: PGlite;
	if (options.inMemory) {
		client = new PGlite();
	} else {
		const dir = path.join(cfg.dataDir, 'pglite');
		release = acquireDataDirLock(cfg.dataDir);
		try {
			client = new PGlite(dir);
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
		ping: (timeoutMs = 2000) => withTimeout(client.query('select 1').then(() => true), timeoutMs),
		close: async () => {
			await client.close();
			release();
		}
	};
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
		client.unsafe(query, params, { ...options, prepare: (params?.length ?? 0) <= MAX_PREPARED_PARAMS || options?.prepare === true });
	return new Proxy(client, { get: (target, key, receiver) => (key === 'unsafe' ? unsafe : Reflect.get(target, key, receiver)) });
}
