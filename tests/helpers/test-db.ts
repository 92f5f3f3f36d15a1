import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../../src/lib/server/db/client.ts';
import { migrate } from '../../src/lib/server/db/migrate.ts';
import { readPartnershipFile } from '../../src/lib/server/partnership/seed-file.ts';
import { seedPartnership } from '../../src/lib/server/partnership/service.ts';
import { readConfig } from '../../src/lib/server/config.ts';

/**
 * Test databases. With TEST_DATABASE_URL (or DATABASE_URL) set, each test file gets its own
 * PostgreSQL database, copied from a migrated and seeded template in milliseconds. Without it,
 * each gets a fresh in-memory PGlite, migrated and seeded.
 */
export const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;

export function withDatabase(url: string, name: string): string {
	const u = new URL(url);
	u.pathname = `/${name}`;
	return u.toString();
}

/** Names carry the run's id, so a run cleans up only its own databases, never a parallel run's. */
export const runId = (process.env.SL_TEST_RUN ??= Math.random().toString(36).slice(2, 8));

export function uniqueName(prefix: string): string {
	return `${prefix}_${runId}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
}

export async function adminSql<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
	const sql = postgres(serverUrl!, { max: 1, onnotice: () => {} });
	try {
		return await work(sql);
	} finally {
		await sql.end({ timeout: 5 });
	}
}

export async function migrateAndSeed(handle: DatabaseHandle): Promise<void> {
	const config = readConfig();
	await migrate(handle.db, config.migrationsDir);
	await seedPartnership(handle.db, readPartnershipFile(config.contentDir));
}

/** A new, migrated and seeded Postgres database (empty of people); dropped by `close()`. */
export async function createPostgresDatabase(
	template?: string
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
	const name = uniqueName('sl_test');
	await adminSql((sql) =>
		sql.unsafe(`create database ${name}${template ? ` template ${template}` : ''}`)
	);
	const url = withDatabase(serverUrl!, name);
	if (!template) {
		const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
		await migrateAndSeed(handle);
		await handle.close();
	}
	return {
		url,
		name,
		drop: () =>
			adminSql((sql) => sql.unsafe(`drop database if exists ${name} with (force)`)).then(
				() => undefined
			)
	};
}

export interface TestDatabase extends DatabaseHandle {
	url: string | undefined;
}

export async function freshDatabase(template: string | undefined): Promise<TestDatabase> {
	if (serverUrl) {
		const created = await createPostgresDatabase(template);
		const handle = await openDatabase({ databaseUrl: created.url, dataDir: '' });
		return {
			...handle,
			url: created.url,
			close: async () => {
				await handle.close();
				await created.drop();
			}
		};
	}
	const handle = await openDatabase({ databaseUrl: undefined, dataDir: '' }, { inMemory: true });
	await migrateAndSeed(handle);
	return { ...handle, url: undefined };
}
