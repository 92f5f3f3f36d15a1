import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from './types.ts';

/** Any constant shared by every instance; only one migrates at a time. */
const MIGRATION_LOCK_KEY = 7_245_001;

interface Migration {
	tag: string;
	statements: string[];
}

export function readMigrations(dir: string): Migration[] {
	const journal = JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as {
		entries: { tag: string }[];
	};
	return journal.entries.map(({ tag }) => ({
		tag,
		statements: fs
			.readFileSync(path.join(dir, `${tag}.sql`), 'utf8')
			.split('--> statement-breakpoint')
			.map((s) => s.trim())
			.filter(Boolean)
	}));
}

/**
 * Applies drizzle-kit's migrations in one transaction under a transaction-scoped advisory lock, so
 * several instances starting together are safe: the first migrates, the others wait and then find
 * nothing to do. Returns the tags applied.
 */
export async function migrate(db: Db, dir: string): Promise<string[]> {
	const migrations = readMigrations(dir);
	// The usual start: everything is applied already. Two reads, no transaction and no lock.
	if (await allApplied(db, migrations)) return [];
	return db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
		await tx.execute(sql`create table if not exists schema_migrations (
			tag text primary key,
			applied_at timestamptz not null default now()
		)`);
		const rows = await tx.execute<{ tag: string }>(sql`select tag from schema_migrations`);
		const done = new Set(rowsOf<{ tag: string }>(rows).map((r) => r.tag));
		const applied: string[] = [];
		for (const migration of migrations) {
			if (done.has(migration.tag)) continue;
			for (const statement of migration.statements) await tx.execute(sql.raw(statement));
			await tx.execute(sql`insert into schema_migrations (tag) values (${migration.tag})`);
			applied.push(migration.tag);
		}
		return applied;
	});
}

async function allApplied(db: Db, migrations: Migration[]): Promise<boolean> {
	const [table] = rowsOf<{ present: boolean }>(
		await db.execute(sql`select to_regclass('schema_migrations') is not null as present`)
	);
	if (!table?.present) return false;
	const done = new Set(
		rowsOf<{ tag: string }>(await db.execute(sql`select tag from schema_migrations`)).map(
			(r) => r.tag
		)
	);
	return migrations.every((m) => done.has(m.tag));
}

/** The newest migration in the folder: start-up fingerprints include it, so a new schema re-applies content. */
export function latestMigrationTag(dir: string): string {
	const journal = JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as {
		entries: { tag: string }[];
	};
	return journal.entries.at(-1)?.tag ?? '';
}

/** A json column's value: postgres.js parses json, PGlite may hand it over as text. */
export function jsonColumn<T>(value: unknown): T {
	return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** postgres.js returns an array of rows; PGlite returns `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
	if (Array.isArray(result)) return result as T[];
	return ((result as { rows?: T[] }).rows ?? []) as T[];
}
