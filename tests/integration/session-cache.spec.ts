import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { testDatabase, makePerson, orgId, TEST_PASSWORD } from '../helpers/fixtures.ts';
import { changePassword } from '../../src/lib/server/auth/service.ts';
import { setPersonStatus } from '../../src/lib/server/people/service.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import {
	createSession,
	invalidateSession,
	validateSessionToken
} from '../../src/lib/server/auth/sessions.ts';
import { MAX_AGE_MS, startSessionCache } from '../../src/lib/server/auth/session-cache.ts';

/**
 * Sessions validated once are served from memory; anything that ends a session or changes what it
 * grants, made anywhere (another instance, an operator in psql), reaches this instance within
 * moments through PostgreSQL notifications, not after MAX_AGE_MS.
 */
let t: TestDatabase;
let stopCache: () => Promise<void>;
/** SQL from outside this instance: its own connection on PostgreSQL, the raw client on PGlite. */
let elsewhere: (text: string, params: string[]) => Promise<unknown>;
let closeElsewhere = async () => {};

beforeAll(async () => {
	t = await testDatabase();
	stopCache = await startSessionCache(t);
	if (t.raw.kind === 'postgres') {
		const other = postgres(t.url!, { max: 1, onnotice: () => {} });
		elsewhere = (text, params) => other.unsafe(text, params);
		closeElsewhere = () => other.end({ timeout: 5 });
	} else {
		const client = t.raw.client;
		elsewhere = (text, params) => client.query(text, params);
	}
});
afterAll(async () => {
	await stopCache?.();
	await closeElsewhere();
	await t?.close();
});

/** Polls until `check` holds; returns how long that took. Fails after 3 s (well under MAX_AGE_MS). */
async function within<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<number> {
	const start = performance.now();
	for (;;) {
		if (check(await read())) return performance.now() - start;
		if (performance.now() - start > 3000)
			throw new Error('the change did not reach the cache within 3 s');
		await new Promise((r) => setTimeout(r, 20));
	}
}

describe('session cache', () => {
	it('reads a session from the database once, then from memory until MAX_AGE_MS', async () => {
		const person = await makePerson(t.db, { email: 'cached@session.example' });
		const { token } = await createSession(t.db, person.id);
		const [id] = token.split('.');
		const now = new Date();
		expect((await validateSessionToken(t.db, token, now))?.user.id).toBe(person.id);
		// Changing only the expiry is not announced (instances slide it hourly), so the copy in memory answers.
		await elsewhere(`update sessions set expires_at = now() - interval '1 day' where id = $1`, [
			id!
		]);
		expect((await validateSessionToken(t.db, token, new Date(now.getTime() + 1000)))?.user.id).toBe(
			person.id
		);
		// Past MAX_AGE_MS the database is read again, and the expired session ends.
		expect(
			await validateSessionToken(t.db, token, new Date(now.getTime() + MAX_AGE_MS + 1))
		).toBeNull();
	});

	it('a wrong secret is refused even when the session is in memory', async () => {
		const person = await makePerson(t.db, { email: 'secret@session.example' });
		const { token } = await createSession(t.db, person.id);
		const [id, secret] = token.split('.');
		expect(await validateSessionToken(t.db, token)).not.toBeNull();
		expect(await validateSessionToken(t.db, `${id}.${'b'.repeat(secret!.length)}`)).toBeNull();
	});

	it('a session deleted elsewhere (signed out on another instance) stops working within moments', async () => {
		const person = await makePerson(t.db, { email: 'signed-out@session.example' });
		const { token } = await createSession(t.db, person.id);
		expect(await validateSessionToken(t.db, token)).not.toBeNull();
		await elsewhere('delete from sessions where id = $1', [token.split('.')[0]!]);
		const ms = await within(
			() => validateSessionToken(t.db, token),
			(v) => v === null
		);
		expect(ms).toBeLessThan(MAX_AGE_MS);
	});

	it('deactivation and new manager rights made elsewhere reach the cached session within moments', async () => {
		const person = await makePerson(t.db, { email: 'promoted@session.example' });
		const { token } = await createSession(t.db, person.id);
		expect((await validateSessionToken(t.db, token))?.user.managedOrganisationIds).toEqual([]);
		const council = await orgId(t.db, 'kirklees-council');
		await elsewhere(
			'insert into manager_organisations (user_id, organisation_id) values ($1, $2)',
			[person.id, council]
		);
		await within(
			() => validateSessionToken(t.db, token),
			(v) => v?.user.managedOrganisationIds.includes(council) === true
		);

		await elsewhere(`update users set status = 'deactivated' where id = $1`, [person.id]);
		await within(
			() => validateSessionToken(t.db, token),
			(v) => v === null
		);
	});

	it('a password change or deactivation through this instance ends its cached sessions on the very next request', async () => {
		const admin = await makePerson(t.db, { email: 'cache-admin@session.example', isAdmin: true });
		const person = await makePerson(t.db, { email: 'changes@session.example' });
		const phone = await createSession(t.db, person.id);
		expect(await validateSessionToken(t.db, phone.token)).not.toBeNull();
		const laptop = await changePassword(t.db, person.id, {
			currentPassword: TEST_PASSWORD,
			password: 'copper lantern meadow tide',
			confirmPassword: 'copper lantern meadow tide'
		});
		expect(await validateSessionToken(t.db, phone.token)).toBeNull();
		expect(await validateSessionToken(t.db, laptop.token)).not.toBeNull();
		await setPersonStatus(t.db, admin, person.id, 'deactivated', 'Left the organisation');
		expect(await validateSessionToken(t.db, laptop.token)).toBeNull();
	});

	it('signing out on this instance takes effect on the very next request', async () => {
		const person = await makePerson(t.db, { email: 'here@session.example' });
		const { token } = await createSession(t.db, person.id);
		const session = await validateSessionToken(t.db, token);
		await invalidateSession(t.db, session!.session.id);
		expect(await validateSessionToken(t.db, token)).toBeNull();
	});
});
