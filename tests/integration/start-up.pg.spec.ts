import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testDatabase } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { migrate } from '../../src/lib/server/db/migrate.ts';
import { readConfig } from '../../src/lib/server/config.ts';

let t: TestDatabase;
beforeAll(async () => {
	t = await testDatabase();
});
afterAll(async () => t?.close());

it('starts without waiting for another instance that holds the migration lock when nothing is missing', async () => {
	const other = postgres(t.url!, { max: 1, onnotice: () => {} });
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	let locked!: () => void;
	const hasLock = new Promise<void>((resolve) => (locked = resolve));
	const holder = other.begin(async (tx) => {
		await tx`select pg_advisory_xact_lock(7245001)`;
		locked();
		await held;
	});
	try {
		await hasLock;
		const outcome = await Promise.race([
			migrate(t.db, readConfig().migrationsDir),
			new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 3000))
		]);
		expect(outcome).toEqual([]);
	} finally {
		release();
		await holder;
		await other.end({ timeout: 5 });
	}
});
