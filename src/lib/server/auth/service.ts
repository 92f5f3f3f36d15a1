import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import { audiences, oneTimeTokens, organisations, users } from '../db/schema.ts';
import { consumeToken, issueToken, peekToken } from './one-time.ts';
import { hashToken } from './tokens.ts';
import { hashPassword, passwordProblem, spendVerifyTime, verifyPassword } from './password.ts';
import { createSession, invalidateUserSessions } from './sessions.ts';
import { forgetCachedSessions } from './session-cache.ts';
import {
	ACCOUNT_RULE,
	IP_RULE,
	accountKey,
	clearFailures,
	ipKey,
	recordFailure,
	releaseAttempt,
	reserveAttempt,
	secondsLocked
} from './throttle.ts';
import { recordAudit } from '../audit/service.ts';
import { sendEmail } from '../email/mailer.ts';
import { passwordResetEmail } from '../email/templates.ts';
import { brandingFor } from '../partnership/branding-cache.ts';
import { logger } from '../logger.ts';
import { ValidationError } from '../errors.ts';
import { emailField, nameField, parseInput, uuidField } from '../validation.ts';
import { passwordRefusal, requiredSignIn } from '../sso/service.ts';
import { refreshObligations } from '../tracking/queries.ts';

export class ThrottledError extends Error {
	readonly status = 429;
	constructor(readonly retryAfterSeconds: number) {
		const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
		super(
			`There have been too many attempts to sign in. For your security, wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`
		);
		this.name = 'ThrottledError';
	}
}

const signInSchema = z.object({
	email: z
		.string({ error: 'Enter your email address' })
		.trim()
		.toLowerCase()
		.min(1, 'Enter your email address')
		.max(254, 'Enter a correct email address and password'),
	password: z
		.string({ error: 'Enter your password' })
		.min(1, 'Enter your password')
		.max(1024, 'Enter a correct email address and password')
});

const WRONG_CREDENTIALS = 'Enter a correct email address and password';

/**
 * Signs in with email and password. An attempt is reserved for the account and the IP address
 * (atomically) before any hashing, so parallel guesses cannot pass the limit; unknown accounts
 * cost the same argon2 time and get the same message as a wrong password.
 */
export async function signIn(db: Db, raw: unknown, ip: string, now = new Date()) {
	const input = parseInput(signInSchema, raw);
	const lockedAccount = await reserveAttempt(db, accountKey(input.email), ACCOUNT_RULE, now);
	if (lockedAccount > 0) throw new ThrottledError(lockedAccount);
	const lockedIp = await reserveAttempt(db, ipKey(ip), IP_RULE, now);
	if (lockedIp > 0) throw new ThrottledError(lockedIp);

	const [user] = await db
		.select({ id: users.id, passwordHash: users.passwordHash, status: users.status })
		.from(users)
		.where(eq(users.email, input.email));
	const ok =
		user?.passwordHash && user.status === 'active'
			? await verifyPassword(user.passwordHash, input.password)
			: (await spendVerifyTime(input.password), false);
	if (!ok || !user) throw new ValidationError({ email: WRONG_CREDENTIALS }, WRONG_CREDENTIALS);
	await clearFailures(db, accountKey(input.email));
	// Only after the right password, so the answer says nothing about accounts to a guesser.
	const ssoOnly = await passwordRefusal(db, { userId: user.id });
	if (ssoOnly) throw new ValidationError({ email: ssoOnly }, ssoOnly);
	await releaseAttempt(db, ipKey(ip));
	return { userId: user.id, ...(await createSession(db, user.id, now)) };
}

const newPasswordSchema = z
	.object({
		password: z.string({ error: 'Enter a password' }),
		confirmPassword: z.string({ error: 'Enter the password again' })
	})
	.refine((v) => v.password === v.confirmPassword, {
		path: ['confirmPassword'],
		message: 'The passwords do not match'
	});

function checkNewPassword(raw: unknown, context: string[]): string {
	const { password } = parseInput(newPasswordSchema, raw);
	const problem = passwordProblem(password, context);
	if (problem) throw new ValidationError({ password: problem });
	return password;
}

async function hasAdmin(db: Db): Promise<boolean> {
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(users)
		.where(and(eq(users.isAdmin, true), eq(users.status, 'active')));
	return (row?.n ?? 0) > 0;
}

/**
 * At start-up with no admin, logs one line with a one-time URL for creating the first admin.
 * Returns the URL (for tests), or null when an admin exists.
 */
export async function announceSetupIfNeeded(
	db: Db,
	origin: string,
	now = new Date()
): Promise<string | null> {
	if (await hasAdmin(db)) return null;
	const token = await issueToken(db, 'setup', null, now);
	const url = `${origin}/setup/${token}`;
	logger.warn(
		`No partnership admin exists yet. Create the first admin at ${url} (this link works once and expires in 24 hours).`
	);
	return url;
}

export const setupSchema = z.object({
	name: nameField,
	email: emailField,
	organisationId: uuidField('Choose your organisation'),
	audience: z.enum(audiences, {
		error: 'Choose whether you are a front-line officer or a community contact'
	})
});

export async function setupLinkIsValid(db: Db, token: string, now = new Date()): Promise<boolean> {
	return Boolean(await peekToken(db, 'setup', token, now)) && !(await hasAdmin(db));
}

/** Creates the first partnership admin from the one-time setup link and signs them in. */
export async function completeSetup(db: Db, token: string, raw: unknown, now = new Date()) {
	const input = parseInput(setupSchema, raw);
	const password = checkNewPassword(raw, [input.name, input.email.split('@')[0] ?? '']);
	const passwordHash = await hashPassword(password);
	const userId = await db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(7245003)`);
		if (await hasAdmin(tx)) return null;
		if (!(await consumeToken(tx, 'setup', token, now))) return null;
		const [org] = await tx
			.select({ id: organisations.id })
			.from(organisations)
			.where(eq(organisations.id, input.organisationId));
		if (!org)
			throw new ValidationError({ organisationId: 'Choose your organisation from the list' });
		const [existing] = await tx
			.select({ id: users.id })
			.from(users)
			.where(eq(users.email, input.email));
		const values = {
			name: input.name,
			organisationId: input.organisationId,
			audience: input.audience,
			isAdmin: true,
			passwordHash,
			status: 'active' as const,
			updatedAt: now
		};
		const id = existing
			? (
					await tx
						.update(users)
						.set(values)
						.where(eq(users.id, existing.id))
						.returning({ id: users.id })
				)[0]!.id
			: (
					await tx
						.insert(users)
						.values({ ...values, email: input.email, createdAt: now })
						.returning({ id: users.id })
				)[0]!.id;
		// Every other setup link dies with this one.
		await tx
			.update(oneTimeTokens)
			.set({ usedAt: now })
			.where(and(eq(oneTimeTokens.kind, 'setup'), sql`${oneTimeTokens.usedAt} is null`));
		// The admin's placement may bring required training, stored as every other change's is.
		await refreshObligations(tx, { userId: id }, now);
		await recordAudit(
			tx,
			{
				actorId: id,
				action: 'person.first-admin-created',
				targetType: 'person',
				targetId: id,
				organisationId: input.organisationId
			},
			now
		);
		return id;
	});
	if (!userId) return null;
	return { userId, ...(await createSession(db, userId, now)) };
}

/**
 * Who a still-usable invitation or reset link belongs to, and, when their organisation requires
 * single sign-on, where they sign in instead of choosing a password.
 */
export async function passwordLinkHolder(
	db: Db,
	kind: 'invite' | 'reset',
	token: string,
	now = new Date()
) {
	const row = await peekToken(db, kind, token, now);
	if (!row?.userId) return null;
	const [user] = await db
		.select({ name: users.name, email: users.email, status: users.status })
		.from(users)
		.where(eq(users.id, row.userId));
	if (user?.status !== 'active') return null;
	return {
		name: user.name,
		email: user.email,
		ssoOnly: await requiredSignIn(db, { userId: row.userId })
	};
}

/**
 * Whether an invitation link was used to set up an account that is now ready to sign in with: so
 * re-opening it says "already set up" instead of "not found".
 */
export async function invitationAlreadyUsed(
	db: Db,
	token: string
): Promise<{ email: string } | null> {
	if (token.length > 100) return null;
	const [row] = await db
		.select({
			email: users.email,
			status: users.status,
			hasPassword: sql<boolean>`${users.passwordHash} is not null`
		})
		.from(oneTimeTokens)
		.innerJoin(users, eq(users.id, oneTimeTokens.userId))
		.where(
			and(
				eq(oneTimeTokens.tokenHash, hashToken(token)),
				eq(oneTimeTokens.kind, 'invite'),
				sql`${oneTimeTokens.usedAt} is not null`
			)
		);
	return row && row.status === 'active' && row.hasPassword ? { email: row.email } : null;
}

/** Sets the password of an invited (or resetting) person from a one-time link, ending other sessions. */
export async function setPasswordFromLink(
	db: Db,
	kind: 'invite' | 'reset',
	token: string,
	raw: unknown,
	now = new Date()
) {
	const holder = await peekToken(db, kind, token, now);
	if (!holder?.userId) return null;
	const [user] = await db
		.select({
			name: users.name,
			email: users.email,
			status: users.status,
			organisationId: users.organisationId
		})
		.from(users)
		.where(eq(users.id, holder.userId));
	if (!user || user.status !== 'active') return null;
	const ssoOnly = await passwordRefusal(db, { userId: holder.userId });
	if (ssoOnly) throw new ValidationError({ password: ssoOnly }, ssoOnly);
	const password = checkNewPassword(raw, [user.name, user.email.split('@')[0] ?? '']);
	const passwordHash = await hashPassword(password);
	const userId = await db.transaction(async (tx) => {
		const used = await consumeToken(tx, kind, token, now);
		if (!used?.userId) return null;
		await tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, used.userId));
		await invalidateUserSessions(tx, used.userId);
		await recordAudit(
			tx,
			{
				actorId: used.userId,
				action: kind === 'invite' ? 'person.invitation-accepted' : 'person.password-reset',
				targetType: 'person',
				targetId: used.userId,
				organisationId: user.organisationId
			},
			now
		);
		return used.userId;
	});
	// After commit, so no request on this instance can re-read the old sessions in between.
	if (userId) forgetCachedSessions();
	if (!userId) return null;
	await clearFailures(db, accountKey(user.email));
	return { userId, ...(await createSession(db, userId, now)) };
}

const RESET_IP_RULE = { maxFailures: 10, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

/**
 * Emails a reset link when the address belongs to an active account. The answer and its timing are
 * the same either way: the lookup and email happen after the response.
 */
export async function requestPasswordReset(
	db: Db,
	raw: unknown,
	ip: string,
	ctx: { origin: string; partnershipName: string; now?: Date }
): Promise<{ background: Promise<void> }> {
	const { email } = parseInput(z.object({ email: emailField }), raw);
	const now = ctx.now ?? new Date();
	const key = `reset-ip:${ip}`;
	const locked = await secondsLocked(db, key, now);
	if (locked > 0) throw new ThrottledError(locked);
	await recordFailure(db, key, RESET_IP_RULE, now); // every request counts towards the IP's limit
	const background = (async () => {
		const [user] = await db
			.select({ id: users.id, name: users.name, status: users.status })
			.from(users)
			.where(eq(users.email, email));
		if (!user || user.status !== 'active') return;
		const ssoOnly = await passwordRefusal(db, { userId: user.id });
		if (ssoOnly) {
			// No reset link for people whose organisation requires single sign-on: say who to ask instead.
			await sendEmail(db, {
				to: email,
				subject: `Signing in to ${ctx.partnershipName} learning`,
				body: [
					`Hello ${user.name},`,
					'',
					'Someone (we hope you) asked to reset your password.',
					'',
					ssoOnly,
					'',
					`Sign in at ${ctx.origin}/sign-in`
				].join('\n'),
				kind: 'sso-sign-in-notice',
				userId: user.id
			});
			return;
		}
		const branding = await brandingFor(db);
		await db.transaction(async (tx) => {
			const token = await issueToken(tx, 'reset', user.id, now);
			await sendEmail(tx, {
				to: email,
				...passwordResetEmail(user.name, `${ctx.origin}/reset-password/${token}`, {
					name: ctx.partnershipName,
					colour: branding.brandColour
				}),
				kind: 'password-reset',
				userId: user.id
			});
		});
	})().catch((error) => logger.error('password reset email failed', { error: String(error) }));
	return { background };
}

/** Changes the password and ends every session, this one included; returns a fresh session for this device. */
export async function changePassword(db: Db, userId: string, raw: unknown, now = new Date()) {
	const { currentPassword } = parseInput(
		z.object({
			currentPassword: z
				.string({ error: 'Enter your current password' })
				.min(1, 'Enter your current password')
				.max(1024)
		}),
		raw
	);
	const [user] = await db
		.select({
			name: users.name,
			email: users.email,
			passwordHash: users.passwordHash,
			organisationId: users.organisationId
		})
		.from(users)
		.where(eq(users.id, userId));
	// The same per-account limit as sign-in: a stolen session must not become a password oracle.
	const key = accountKey(user?.email ?? userId);
	const locked = await reserveAttempt(db, key, ACCOUNT_RULE, now);
	if (locked > 0) throw new ThrottledError(locked);
	if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, currentPassword)))
		throw new ValidationError({ currentPassword: 'Your current password is not correct' });
	await clearFailures(db, key);
	const password = checkNewPassword(raw, [user.name, user.email.split('@')[0] ?? '']);
	const passwordHash = await hashPassword(password);
	await db.transaction(async (tx) => {
		await tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId));
		await invalidateUserSessions(tx, userId);
		await recordAudit(
			tx,
			{
				actorId: userId,
				action: 'person.password-changed',
				targetType: 'person',
				targetId: userId,
				organisationId: user.organisationId
			},
			now
		);
	});
	forgetCachedSessions();
	return createSession(db, userId, now);
}

/** Where a person lands after signing in: the home page for their broadest role. */
export async function homeFor(db: Db, userId: string): Promise<string> {
	const [row] = await db
		.select({
			isAdmin: users.isAdmin,
			manages: sql<number>`(select count(*)::int from manager_organisations mo where mo.user_id = ${users.id})`
		})
		.from(users)
		.where(eq(users.id, userId));
	if (row?.isAdmin) return '/admin';
	if ((row?.manages ?? 0) > 0) return '/manage';
	return '/';
}
