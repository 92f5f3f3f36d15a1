import { randomUUID } from 'node:crypto';
import type { DatabaseHandle } from '../db/client.ts';
import type { Db } from '../db/types.ts';
import { logger } from '../logger.ts';
import type { AuthUser } from './sessions.ts';

/**
 * Recently validated sessions, kept per instance so that most signed-in requests need no database
 * round trip (on "My learning" the session lookup was the largest cost left).
 *
 * Safe because every change that can end a session or alter what it grants (deleting sessions;
 * updating people; manager rights) notifies every instance at commit through triggers
 * (drizzle/0004_auth_change_notify.sql). An instance empties its cache on each notice, whenever its
 * listening connection (re)connects (notices may have been missed), and itself right after it commits
 * such a change. On PostgreSQL it also pings itself through the same channel mechanism every PING_MS:
 * while its own pings do not come back (listener lost, half-open connection) nothing is served from
 * memory. MAX_AGE_MS bounds how stale an entry can be in any case. With no listener (scripts, tests
 * that never start the app) nothing is cached.
 */
export const MAX_AGE_MS = 10_000;
const MAX_ENTRIES = 20_000;
export const AUTH_CHANGED_CHANNEL = 'auth_changed';
const PING_CHANNEL = 'session_cache_ping';
const PING_MS = 2_000;
/** Three pings missed: the listener is presumed lost. */
export const SILENT_AFTER_MS = 3 * PING_MS;

export interface CachedSession {
	secretHash: Uint8Array;
	expiresAt: Date;
	user: AuthUser;
	/** the person's account status when read; only 'active' may use a session */
	status: string;
}

export class SessionCache {
	/** Bumped on every clear, so a lookup that raced with a change is not stored. */
	generation = 0;
	readonly #entries = new Map<string, { session: CachedSession; at: number }>();
	/** When this instance last heard its own ping; null when no heartbeat is needed (embedded database). */
	#heardAt: number | null;
	readonly #clock: () => number;

	constructor(options: { heartbeat: boolean; clock?: () => number }) {
		this.#clock = options.clock ?? Date.now;
		this.#heardAt = options.heartbeat ? -Infinity : null;
	}

	/** Notices are known to be arriving (or no heartbeat is needed). */
	get listening(): boolean {
		return this.#heardAt === null || this.#clock() - this.#heardAt <= SILENT_AFTER_MS;
	}

	/** A ping came back: if the listener had gone quiet, notices may have been missed, so start afresh. */
	heard(): void {
		if (this.#heardAt === null) return;
		if (!this.listening) this.clear();
		this.#heardAt = this.#clock();
	}

	/** `now`: the request's time, for MAX_AGE_MS. */
	get(id: string, now: number): CachedSession | undefined {
		const hit = this.#entries.get(id);
		if (!hit) return undefined;
		if (now - hit.at >= MAX_AGE_MS || now < hit.at || !this.listening) {
			this.#entries.delete(id);
			return undefined;
		}
		return hit.session;
	}

	/** `generationAtRead`: the generation when the database read began. */
	set(id: string, session: CachedSession, now: number, generationAtRead: number): void {
		if (generationAtRead !== this.generation || !this.listening) return;
		if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
		this.#entries.set(id, { session, at: now });
	}

	forget(id: string): void {
		this.#entries.delete(id);
	}

	clear(): void {
		this.generation++;
		this.#entries.clear();
	}
}

const byDb = new WeakMap<Db, SessionCache>();
const active = new Set<SessionCache>();

export function sessionCacheFor(db: Db): SessionCache | undefined {
	return byDb.get(db);
}

/** This instance just ended sessions or changed people: forget everything at once, not at the notice. */
export function forgetCachedSessions(): void {
	for (const cache of active) cache.clear();
}

/** Starts caching sessions for this handle, listening for changes; returns how to stop. */
export async function startSessionCache(handle: DatabaseHandle): Promise<() => Promise<void>> {
	// On the embedded database notices are delivered in-process: nothing to lose, so no heartbeat.
	const cache = new SessionCache({ heartbeat: handle.raw.kind === 'postgres' });
	const onChange = () => cache.clear();
	if (handle.raw.kind === 'pglite') {
		const unlisten = await handle.raw.client.listen(AUTH_CHANGED_CHANNEL, onChange);
		register(handle.db, cache);
		return async () => {
			unregister(handle.db, cache);
			await unlisten();
		};
	}
	const client = handle.raw.client;
	const me = randomUUID();
	let handles: { unlisten: () => Promise<unknown> }[] = [];
	const listen = async () => {
		await Promise.all(handles.map((h) => h.unlisten().catch(() => {})));
		handles = await Promise.all([
			// The third argument runs on every (re)connection of the listening connection.
			client.listen(AUTH_CHANGED_CHANNEL, onChange, onChange),
			client.listen(
				PING_CHANNEL,
				(from) => from === me && cache.heard(),
				() => cache.heard()
			)
		]);
	};
	await listen();
	let quietSince: number | null = null;
	const ping = setInterval(() => {
		if (cache.listening) {
			if (quietSince !== null) logger.info('session cache: listening again');
			quietSince = null;
		} else if (quietSince === null) {
			quietSince = Date.now();
			logger.warn(
				'session cache: change notices are not arriving; sessions are read from the database until they do'
			);
		} else if (Date.now() - quietSince > 5 * PING_MS) {
			// postgres.js gives up re-listening after one failed reconnection: listen afresh.
			quietSince = Date.now();
			listen().catch(() => {});
		}
		client.notify(PING_CHANNEL, me).catch(() => {});
	}, PING_MS);
	ping.unref();
	register(handle.db, cache);
	return async () => {
		clearInterval(ping);
		unregister(handle.db, cache);
		await Promise.all(handles.map((h) => h.unlisten().catch(() => {})));
	};
}

function register(db: Db, cache: SessionCache) {
	byDb.set(db, cache);
	active.add(cache);
}

function unregister(db: Db, cache: SessionCache) {
	byDb.delete(db);
	active.delete(cache);
}
