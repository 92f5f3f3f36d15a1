import { afterAll, beforeAll, expect, it } from 'vitest';
import postgres from 'postgres';
import { testDatabase, makePerson } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { createSession, validateSessionToken } from '../../src/lib/server/auth/sessions.ts';
import { startSessionCache } from '../../src/lib/server/auth/session-cache.ts';

/** PostgreSQL only (the embedded database has no connection to lose): run when TEST_DATABASE_URL is set. */
let t: TestDatabase;
let stopCache: () => Promise<void>;
let other: postgres.Sql;

beforeAll(async () => {
	t = await testDatabase();
	stopCache = await startSessionCache(t);
	other = postgres(t.url!, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
	await stopCache?.();
	await other?.end({ timeout: 5 });
	await t?.close();
});

it('when the listening connection is cut, a session deleted meanwhile is not served from memory', async () => {
	const person = await makePerson(t.db, { email: 'cut@session.example' });
	const { token } = await createSession(t.db, person.id);
	expect(await validateSessionToken(t.db, token)).not.toBeNull();
	const [cut] =
		await other`select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity
		where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()) x`;
	expect(cut!.n).toBeGreaterThan(0);
	// The notice for this delete goes nowhere: nobody is listening at this moment.
	await other`delete from sessions where id = ${token.split('.')[0]!}`;
	const start = performance.now();
	for (;;) {
		if ((await validateSessionToken(t.db, token)) === null) break;
		expect(performance.now() - start, 'still served from memory').toBeLessThan(3000);
		await new Promise((r) => setTimeout(r, 20));
	}
});
