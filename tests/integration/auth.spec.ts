import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { testDatabase, makePerson, TEST_PASSWORD, orgId } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import {
	createSession,
	validateSessionToken,
	SESSION_IDLE_MS
} from '../../src/lib/server/auth/sessions.ts';
import {
	announceSetupIfNeeded,
	changePassword,
	completeSetup,
	requestPasswordReset,
	setPasswordFromLink,
	setupLinkIsValid,
	signIn,
	ThrottledError
} from '../../src/lib/server/auth/service.ts';
import { ValidationError } from '../../src/lib/server/errors.ts';
import { outbox, sessions, users } from '../../src/lib/server/db/schema.ts';
import { setPersonStatus } from '../../src/lib/server/people/service.ts';

let t: TestDatabase;
beforeAll(async () => {
	t = await testDatabase();
});
afterAll(async () => t?.close());

const ctx = { origin: 'https://learning.example', partnershipName: 'Safer Kirklees' };
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);

describe('first-run setup', () => {
	it('offers a one-time link while no admin exists, and creates exactly one admin from it', async () => {
		const url = await announceSetupIfNeeded(t.db, ctx.origin);
		expect(url).toMatch(/^https:\/\/learning\.example\/setup\/[a-z2-7]{32}$/);
		const token = url!.split('/').pop()!;
		expect(await setupLinkIsValid(t.db, token)).toBe(true);
		const form = {
			name: 'Asha Patel',
			email: 'Asha.Patel@Kirklees.gov.uk',
			organisationId: await orgId(t.db, 'kirklees-council'),
			audience: 'frontline',
			password: 'lantern orchard piano river',
			confirmPassword: 'lantern orchard piano river'
		};
		const session = await completeSetup(t.db, token, form);
		expect(session?.token).toBeTruthy();
		const [admin] = await t.db
			.select()
			.from(users)
			.where(eq(users.email, 'asha.patel@kirklees.gov.uk'));
		expect(admin?.isAdmin).toBe(true);
		// The link is used up, and no new link is announced now that an admin exists.
		expect(await completeSetup(t.db, token, { ...form, email: 'second@example.org' })).toBeNull();
		expect(await setupLinkIsValid(t.db, token)).toBe(false);
		expect(await announceSetupIfNeeded(t.db, ctx.origin)).toBeNull();
	});

	it('refuses weak or mismatched passwords on a link without using it up', async () => {
		const person = await makePerson(t.db, { email: 'weak@example.org', password: false });
		const { issueToken } = await import('../../src/lib/server/auth/one-time.ts');
		const token = await issueToken(t.db, 'invite', person.id);
		const weak = await errorOf(
			setPasswordFromLink(t.db, 'invite', token, {
				password: 'password1234',
				confirmPassword: 'password1234'
			})
		);
		expect(weak).toBeInstanceOf(ValidationError);
		expect((weak as ValidationError).fieldErrors.password).toMatch(/too common/);
		const short = await errorOf(
			setPasswordFromLink(t.db, 'invite', token, { password: 'short', confirmPassword: 'short' })
		);
		expect((short as ValidationError).fieldErrors.password).toMatch(/at least 12 characters/);
		const mismatch = await errorOf(
			setPasswordFromLink(t.db, 'invite', token, {
				password: 'lantern orchard piano',
				confirmPassword: 'lantern orchard pian0'
			})
		);
		expect((mismatch as ValidationError).fieldErrors.confirmPassword).toMatch(/do not match/);
		expect(
			await setPasswordFromLink(t.db, 'invite', token, {
				password: 'lantern orchard piano',
				confirmPassword: 'lantern orchard piano'
			})
		).not.toBeNull();
	});
});

describe('sessions', () => {
	it('stores only a hash, rejects a wrong secret, slides expiry and ends when expired', async () => {
		const person = await makePerson(t.db, { email: 'session@example.org' });
		const start = new Date('2026-01-10T09:00:00Z');
		const { token } = await createSession(t.db, person.id, start);
		const [id, secret] = token.split('.');
		const [stored] = await t.db.select().from(sessions).where(eq(sessions.id, id!));
		expect(Buffer.from(stored!.secretHash).toString('utf8')).not.toContain(secret!);

		expect(
			await validateSessionToken(t.db, `${id}.${'a'.repeat(secret!.length)}`, start)
		).toBeNull();
		// Fresh sessions are not rewritten (nor their cookie re-sent) on every request.
		expect((await validateSessionToken(t.db, token, start))!.session.renewed).toBe(false);
		const later = new Date(start.getTime() + 3 * 24 * 3600_000);
		const valid = await validateSessionToken(t.db, token, later);
		expect(valid?.user.email).toBe('session@example.org');
		expect(valid!.session.expiresAt.getTime()).toBe(later.getTime() + SESSION_IDLE_MS);
		expect(valid!.session.renewed).toBe(true);
		const afterIdle = new Date(later.getTime() + SESSION_IDLE_MS + 1000);
		expect(await validateSessionToken(t.db, token, afterIdle)).toBeNull();
		expect(await t.db.select().from(sessions).where(eq(sessions.id, id!))).toHaveLength(0);
	});

	it('ends every session when the password changes or the account is deactivated', async () => {
		const admin = await makePerson(t.db, { email: 'admin-sessions@example.org', isAdmin: true });
		const person = await makePerson(t.db, { email: 'many-devices@example.org' });
		const phone = await createSession(t.db, person.id);
		const laptop = await createSession(t.db, person.id);
		const fresh = await changePassword(t.db, person.id, {
			currentPassword: TEST_PASSWORD,
			password: 'violet harbour kettle drum',
			confirmPassword: 'violet harbour kettle drum'
		});
		expect(await validateSessionToken(t.db, phone.token)).toBeNull();
		expect(await validateSessionToken(t.db, laptop.token)).toBeNull();
		expect(await validateSessionToken(t.db, fresh.token)).not.toBeNull();

		await setPersonStatus(t.db, admin, person.id, 'deactivated', 'Left the organisation');
		expect(await validateSessionToken(t.db, fresh.token)).toBeNull();
		expect(
			await errorOf(
				signIn(t.db, { email: person.email, password: 'violet harbour kettle drum' }, '10.0.0.9')
			)
		).toBeInstanceOf(ValidationError);
	});
});

describe('sign-in', () => {
	it('gives the same message for an unknown account and a wrong password', async () => {
		await makePerson(t.db, { email: 'known@example.org' });
		const unknown = (await errorOf(
			signIn(t.db, { email: 'nobody@example.org', password: 'whatever it is' }, '10.0.0.1')
		)) as ValidationError;
		const wrong = (await errorOf(
			signIn(t.db, { email: 'known@example.org', password: 'whatever it is' }, '10.0.0.1')
		)) as ValidationError;
		expect(unknown.fieldErrors).toEqual(wrong.fieldErrors);
		expect(unknown.message).toBe(wrong.message);
		const ok = await signIn(
			t.db,
			{ email: 'KNOWN@example.org ', password: TEST_PASSWORD },
			'10.0.0.1'
		);
		expect(ok.token).toContain('.');
	});

	it('locks an account after 5 failures, even for the right password, until the lock expires', async () => {
		await makePerson(t.db, { email: 'target@example.org' });
		const now = new Date('2026-03-01T10:00:00Z');
		for (let i = 0; i < 5; i++)
			await errorOf(
				signIn(
					t.db,
					{ email: 'target@example.org', password: 'guess number ' + i },
					`10.1.0.${i}`,
					now
				)
			);
		const locked = await errorOf(
			signIn(t.db, { email: 'target@example.org', password: TEST_PASSWORD }, '10.9.9.9', now)
		);
		expect(locked).toBeInstanceOf(ThrottledError);
		expect((locked as ThrottledError).retryAfterSeconds).toBeGreaterThan(0);
		expect((locked as ThrottledError).message).toMatch(/too many attempts/i);
		const afterLock = new Date(now.getTime() + 16 * 60_000);
		expect(
			(
				await signIn(
					t.db,
					{ email: 'target@example.org', password: TEST_PASSWORD },
					'10.9.9.9',
					afterLock
				)
			).token
		).toBeTruthy();
	});

	it('20 parallel wrong passwords for one account check at most 5 (the attempt is reserved before hashing)', async () => {
		await makePerson(t.db, { email: 'parallel@example.org' });
		const now = new Date('2026-03-03T10:00:00Z');
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				errorOf(
					signIn(
						t.db,
						{ email: 'parallel@example.org', password: 'parallel guess ' + i },
						`10.3.0.${i}`,
						now
					)
				)
			)
		);
		const checked = results.filter((e) => e instanceof ValidationError).length;
		const refused = results.filter((e) => e instanceof ThrottledError).length;
		expect(checked).toBeLessThanOrEqual(5);
		expect(checked + refused).toBe(20);
		expect(
			await errorOf(
				signIn(t.db, { email: 'parallel@example.org', password: TEST_PASSWORD }, '10.3.1.1', now)
			)
		).toBeInstanceOf(ThrottledError);
	});

	it('throttles the current-password check when changing a password', async () => {
		const person = await makePerson(t.db, { email: 'oracle@example.org' });
		const now = new Date('2026-03-04T10:00:00Z');
		const attempt = (currentPassword: string) =>
			errorOf(
				changePassword(
					t.db,
					person.id,
					{
						currentPassword,
						password: 'copper meadow lantern swift',
						confirmPassword: 'copper meadow lantern swift'
					},
					now
				)
			);
		const results = await Promise.all(Array.from({ length: 8 }, (_, i) => attempt('not it ' + i)));
		expect(results.filter((e) => e instanceof ValidationError).length).toBeLessThanOrEqual(5);
		expect(await attempt(TEST_PASSWORD)).toBeInstanceOf(ThrottledError);
	});

	it('a successful sign-in does not count towards the IP limit', async () => {
		await makePerson(t.db, { email: 'regular@example.org' });
		const now = new Date('2026-03-05T10:00:00Z');
		for (let i = 0; i < 31; i++)
			expect(
				(
					await signIn(
						t.db,
						{ email: 'regular@example.org', password: TEST_PASSWORD },
						'198.51.100.1',
						now
					)
				).token
			).toBeTruthy();
	});

	it('locks an IP address that tries many accounts', async () => {
		const now = new Date('2026-03-02T10:00:00Z');
		for (let i = 0; i < 30; i++)
			await errorOf(
				signIn(
					t.db,
					{ email: `spray${i}@example.org`, password: 'password guess' },
					'203.0.113.7',
					now
				)
			);
		expect(
			await errorOf(
				signIn(t.db, { email: 'known@example.org', password: TEST_PASSWORD }, '203.0.113.7', now)
			)
		).toBeInstanceOf(ThrottledError);
		expect(
			(
				await signIn(
					t.db,
					{ email: 'known@example.org', password: TEST_PASSWORD },
					'203.0.113.8',
					now
				)
			).token
		).toBeTruthy();
	});
});

describe('password reset', () => {
	it('emails a single-use link to a real account, and nothing for an unknown one', async () => {
		await makePerson(t.db, { email: 'forgetful@example.org' });
		const before = await t.db.select().from(outbox);
		await (
			await requestPasswordReset(t.db, { email: 'stranger@example.org' }, '10.2.0.1', ctx)
		).background;
		expect(await t.db.select().from(outbox)).toHaveLength(before.length);

		const now = new Date();
		await (
			await requestPasswordReset(t.db, { email: 'Forgetful@example.org' }, '10.2.0.1', {
				...ctx,
				now
			})
		).background;
		const [mail] = await t.db
			.select()
			.from(outbox)
			.where(eq(outbox.toAddress, 'forgetful@example.org'));
		const token = /\/reset-password\/([a-z2-7]+)/.exec(mail!.body)![1]!;
		const form = {
			password: 'mossy granite lighthouse',
			confirmPassword: 'mossy granite lighthouse'
		};
		expect(await setPasswordFromLink(t.db, 'reset', token, form, now)).not.toBeNull();
		expect(await setPasswordFromLink(t.db, 'reset', token, form, now)).toBeNull();
		expect(
			(
				await signIn(
					t.db,
					{ email: 'forgetful@example.org', password: 'mossy granite lighthouse' },
					'10.2.0.2'
				)
			).token
		).toBeTruthy();
	});

	it('expires reset links after an hour', async () => {
		await makePerson(t.db, { email: 'slow@example.org' });
		const now = new Date();
		await (
			await requestPasswordReset(t.db, { email: 'slow@example.org' }, '10.3.0.1', { ...ctx, now })
		).background;
		const [mail] = await t.db.select().from(outbox).where(eq(outbox.toAddress, 'slow@example.org'));
		const token = /\/reset-password\/([a-z2-7]+)/.exec(mail!.body)![1]!;
		const later = new Date(now.getTime() + 61 * 60_000);
		expect(
			await setPasswordFromLink(
				t.db,
				'reset',
				token,
				{ password: 'mossy granite lighthouse', confirmPassword: 'mossy granite lighthouse' },
				later
			)
		).toBeNull();
	});
});
