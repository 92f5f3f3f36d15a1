import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { signInThrottle } from '../db/schema.ts';

/**
 * Failed sign-ins are counted per account and per IP address in the database, so every instance
 * sees the same counts. Limits are checked before any password hashing.
 */
export interface ThrottleRule {
	/** failures allowed in the window before locking */
	maxFailures: number;
	windowMs: number;
	lockMs: number;
}

export const ACCOUNT_RULE: ThrottleRule = {
	maxFailures: 5,
	windowMs: 15 * 60_000,
	lockMs: 15 * 60_000
};
export const IP_RULE: ThrottleRule = {
	maxFailures: 30,
	windowMs: 15 * 60_000,
	lockMs: 15 * 60_000
};

export const accountKey = (email: string) => `account:${email.trim().toLowerCase()}`;
export const ipKey = (ip: string) => `ip:${ip}`;

/** Seconds until the key may try again, or 0 when it may try now. */
export async function secondsLocked(db: Db, key: string, now = new Date()): Promise<number> {
	const [row] = await db.select().from(signInThrottle).where(eq(signInThrottle.key, key));
	if (!row?.lockedUntil) return 0;
	const ms = row.lockedUntil.getTime() - now.getTime();
	return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/** Records one failure, atomically, and locks the key once it passes the rule's limit. */
export async function recordFailure(
	db: Db,
	key: string,
	rule: ThrottleRule,
	now = new Date()
): Promise<void> {
	const windowStart = new Date(now.getTime() - rule.windowMs);
	const lockUntil = new Date(now.getTime() + rule.lockMs);
	await db
		.insert(signInThrottle)
		.values({ key, failures: 1, windowStartedAt: now })
		.onConflictDoUpdate({
			target: signInThrottle.key,
			set: {
				failures: sql`case when ${signInThrottle.windowStartedAt} < ${windowStart.toISOString()}::timestamptz then 1 else ${signInThrottle.failures} + 1 end`,
				windowStartedAt: sql`case when ${signInThrottle.windowStartedAt} < ${windowStart.toISOString()}::timestamptz then ${now.toISOString()}::timestamptz else ${signInThrottle.windowStartedAt} end`
			}
		});
	await db
		.update(signInThrottle)
		.set({ lockedUntil: lockUntil, failures: 0, windowStartedAt: now })
		.where(
			sql`${signInThrottle.key} = ${key} and ${signInThrottle.failures} >= ${rule.maxFailures}`
		);
}

/**
 * Reserves one attempt for the key, atomically, before any password hashing: one statement counts
 * the attempt and locks the key when it reaches the rule's limit, so however many requests arrive
 * at once, at most `maxFailures` attempts go ahead per window. Returns 0 when this attempt may go
 * ahead, or the seconds until the key may try again. A successful attempt clears (or releases) it.
 */
export async function reserveAttempt(
	db: Db,
	key: string,
	rule: ThrottleRule,
	now = new Date()
): Promise<number> {
	const at = now.toISOString();
	const windowStart = new Date(now.getTime() - rule.windowMs).toISOString();
	const lockUntil = new Date(now.getTime() + rule.lockMs).toISOString();
	const t = signInThrottle;
	// A window starts afresh once a lock has run out, or when the last one is older than the rule's window.
	const fresh = sql`((${t.lockedUntil} is not null and ${t.lockedUntil} <= ${at}::timestamptz) or (${t.lockedUntil} is null and ${t.windowStartedAt} < ${windowStart}::timestamptz))`;
	const [row] = await db
		.insert(t)
		.values({
			key,
			failures: 1,
			windowStartedAt: now,
			lockedUntil: rule.maxFailures <= 1 ? new Date(lockUntil) : null
		})
		.onConflictDoUpdate({
			target: t.key,
			set: {
				failures: sql`case when ${fresh} then 1 else ${t.failures} + 1 end`,
				windowStartedAt: sql`case when ${fresh} then ${at}::timestamptz else ${t.windowStartedAt} end`,
				lockedUntil: sql`case when ${fresh} then (case when 1 >= ${rule.maxFailures} then ${lockUntil}::timestamptz end)
					when ${t.lockedUntil} is null and ${t.failures} + 1 >= ${rule.maxFailures} then ${lockUntil}::timestamptz
					else ${t.lockedUntil} end`
			}
		})
		.returning({ attempts: t.failures, lockedUntil: t.lockedUntil });
	if (!row || row.attempts <= rule.maxFailures) return 0;
	const ms = (row.lockedUntil?.getTime() ?? now.getTime() + rule.lockMs) - now.getTime();
	return Math.max(1, Math.ceil(ms / 1000));
}

/** Gives back an attempt that succeeded, so that only failures count towards the limit. */
export async function releaseAttempt(db: Db, key: string): Promise<void> {
	await db
		.update(signInThrottle)
		.set({ failures: sql`greatest(${signInThrottle.failures} - 1, 0)` })
		.where(sql`${signInThrottle.key} = ${key} and ${signInThrottle.lockedUntil} is null`);
}

export async function clearFailures(db: Db, key: string): Promise<void> {
	await db.delete(signInThrottle).where(eq(signInThrottle.key, key));
}
