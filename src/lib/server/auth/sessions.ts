import { and, eq, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { preparedPerDb } from '../db/prepared.ts';
import { forgetCachedSessions, sessionCacheFor } from './session-cache.ts';
import { managerOrganisations, sessions, users, type Audience } from '../db/schema.ts';
import { bytesEqual, hashBytes, randomToken } from './tokens.ts';

export const SESSION_COOKIE = 'session';
/** Signed-in people stay signed in while they keep using the platform; 14 idle days end a session. */
export const SESSION_IDLE_MS = 14 * 24 * 60 * 60 * 1000;
/** Extend at most once an hour, so most requests need no write. */
const RENEW_AFTER_MS = 60 * 60 * 1000;

export interface AuthUser {
	id: string;
	name: string;
	email: string;
	organisationId: string;
	teamId: string | null;
	audience: Audience;
	isAdmin: boolean;
	managedOrganisationIds: readonly string[];
	/** trains at least one event (the trainer role; which events is checked per event) */
	isTrainer?: boolean;
}

export interface SessionInfo {
	id: string;
	expiresAt: Date;
	/** true when this request slid the expiry forward, so the cookie needs the new date */
	renewed: boolean;
}

export async function createSession(
	db: Db,
	userId: string,
	now = new Date()
): Promise<{ token: string; expiresAt: Date }> {
	const id = randomToken(15);
	const secret = randomToken(20);
	const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
	await db
		.insert(sessions)
		.values({ id, secretHash: hashBytes(secret), userId, expiresAt, createdAt: now });
	return { token: `${id}.${secret}`, expiresAt };
}

const sessionLookup = preparedPerDb((db) =>
	db
		.select({
			secretHash: sessions.secretHash,
			expiresAt: sessions.expiresAt,
			user: {
				id: users.id,
				name: users.name,
				email: users.email,
				organisationId: users.organisationId,
				teamId: users.teamId,
				audience: users.audience,
				isAdmin: users.isAdmin,
				status: users.status
			},
			managed: sql<
				string[]
			>`coalesce((select array_agg(mo.organisation_id::text) from ${managerOrganisations} mo where mo.user_id = ${users.id}), '{}')`,
			trainer: sql<boolean>`exists (select 1 from event_trainers et where et.user_id = ${users.id})`
		})
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(eq(sessions.id, sql.placeholder('id')))
		.prepare('session_lookup')
);

/**
 * Validates `<id>.<secret>`: looks the session up by id (in this instance's short-lived cache, see
 * session-cache.ts, or the database), compares the secret's hash in constant time, ends expired
 * sessions and slides the expiry forward for active ones.
 */
export async function validateSessionToken(
	db: Db,
	token: string,
	now = new Date()
): Promise<{ session: SessionInfo; user: AuthUser } | null> {
	const [id, secret, ...rest] = token.split('.');
	if (!id || !secret || rest.length > 0 || id.length > 64 || secret.length > 64) return null;
	const cache = sessionCacheFor(db);
	let found = cache?.get(id, now.getTime());
	if (!found) {
		const generation = cache?.generation ?? 0;
		// One round trip: the session, its person and the organisations they manage.
		const [row] = await sessionLookup(db).execute({ id });
		if (!row) return null;
		const { status, ...user } = row.user;
		// Frozen: with the cache, requests share this object.
		const authUser: AuthUser = Object.freeze({
			...user,
			managedOrganisationIds: Object.freeze(parsePgArray(row.managed)),
			isTrainer: row.trainer === true
		});
		found = {
			secretHash: new Uint8Array(row.secretHash),
			expiresAt: row.expiresAt,
			status,
			user: authUser
		};
		cache?.set(id, found, now.getTime(), generation);
	}
	if (!bytesEqual(found.secretHash, hashBytes(secret))) return null;
	if (found.expiresAt.getTime() <= now.getTime() || found.status !== 'active') {
		cache?.forget(id);
		await db.delete(sessions).where(eq(sessions.id, id));
		return null;
	}
	let expiresAt = found.expiresAt;
	const renewed = expiresAt.getTime() - now.getTime() < SESSION_IDLE_MS - RENEW_AFTER_MS;
	if (renewed) {
		expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
		await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id));
		found.expiresAt = expiresAt;
	}
	return { session: { id, expiresAt, renewed }, user: found.user };
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.id, sessionId));
	forgetCachedSessions();
}

/**
 * Ends every session of a person: on password change, deactivation or role change. Callers run it
 * inside their transaction and call forgetCachedSessions() after commit (before it, a request on this
 * instance could cache the old sessions again); other instances hear it from the trigger.
 */
export async function invalidateUserSessions(
	db: Db,
	userId: string,
	exceptSessionId?: string
): Promise<void> {
	await db
		.delete(sessions)
		.where(
			exceptSessionId
				? and(eq(sessions.userId, userId), ne(sessions.id, exceptSessionId))
				: eq(sessions.userId, userId)
		);
}

/** Sessions nobody presents again are otherwise never removed; the hourly job calls this. */
export async function deleteExpiredSessions(db: Db, now = new Date()): Promise<void> {
	await db.delete(sessions).where(lt(sessions.expiresAt, now));
}

/** postgres.js returns text[] as an array; PGlite too, but be tolerant of the '{a,b}' literal. */
function parsePgArray(value: unknown): string[] {
	if (Array.isArray(value)) return value.map(String);
	if (typeof value === 'string' && value.startsWith('{'))
		return value.slice(1, -1).split(',').filter(Boolean);
	return [];
}
