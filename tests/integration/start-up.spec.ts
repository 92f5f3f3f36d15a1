import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { testDatabase } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { latestMigrationTag, migrate, rowsOf } from '../../src/lib/server/db/migrate.ts';
import { fingerprintOf, whenChanged } from '../../src/lib/server/db/fingerprint.ts';
import { readConfig } from '../../src/lib/server/config.ts';

let t: TestDatabase;
const config = readConfig();
beforeAll(async () => {
	t = await testDatabase();
});
afterAll(async () => t?.close());

/** The project's migrations plus one more, as a release that adds a migration would ship them. */
function migrationsWithOneMore(tag: string, statement: string): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-migrations-'));
	fs.cpSync(config.migrationsDir, dir, { recursive: true });
	const journalFile = path.join(dir, 'meta', '_journal.json');
	const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as {
		entries: { idx: number; tag: string }[];
	};
	journal.entries.push({ idx: 9999, tag });
	fs.writeFileSync(journalFile, JSON.stringify(journal));
	fs.writeFileSync(path.join(dir, `${tag}.sql`), statement);
	return dir;
}

describe('start-up does only what changed', () => {
	it('finds nothing to migrate on a migrated database, and applies a new migration once', async () => {
		expect(await migrate(t.db, config.migrationsDir)).toEqual([]);
		const dir = migrationsWithOneMore(
			'9999_start_up_probe',
			'create table start_up_probe (id int primary key)'
		);
		expect(latestMigrationTag(dir)).toBe('9999_start_up_probe');
		expect(await migrate(t.db, dir)).toEqual(['9999_start_up_probe']);
		expect(await migrate(t.db, dir)).toEqual([]);
		const [probe] = rowsOf<{ present: boolean }>(
			await t.db.execute(sql`select to_regclass('start_up_probe') is not null as present`)
		);
		expect(probe?.present).toBe(true);
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('runs content work when its fingerprint is new or changed, not again when unchanged, and retries work that failed', async () => {
		const runs: string[] = [];
		const a = fingerprintOf({ 'partnership.yaml': 'name: A', schema: '0013' });
		const b = fingerprintOf({ 'partnership.yaml': 'name: B', schema: '0013' });
		expect(fingerprintOf({ schema: '0013', 'partnership.yaml': 'name: A' })).toBe(a);
		expect(await whenChanged(t.db, 'probe', a, async () => void runs.push('a'))).toBe(true);
		expect(await whenChanged(t.db, 'probe', a, async () => void runs.push('a again'))).toBe(false);
		await expect(
			whenChanged(t.db, 'probe', b, async () => Promise.reject(new Error('seed failed')))
		).rejects.toThrow('seed failed');
		expect(await whenChanged(t.db, 'probe', b, async () => void runs.push('b'))).toBe(true);
		expect(await whenChanged(t.db, 'probe', b, async () => void runs.push('b again'))).toBe(false);
		expect(runs).toEqual(['a', 'b']);
	});
});
