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
 * listening connection (re)connects (notices may have been missed), and locally as soon as it ends
 * sessions itself. MAX_AGE_MS bounds how stale an entry can be if a notice is lost anyway. With no
 * listener (scripts, tests that never start the app) nothing is cached.
 */
export const MAX_AGE_MS = 10_000;
const MAX_ENTRIES = 20_000;
export const AUTH_CHANGED_CHANNEL = 'auth_changed';

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

	get(id: string, now: number): CachedSession | undefined {
		const hit = this.#entries.get(id);
		if (!hit) return undefined;
		if (now - hit.at >= MAX_AGE_MS || now < hit.at) {
			this.#entries.delete(id);
			return undefined;
		}
		return hit.session;
	}

	/** `generationAtRead`: the generation when the database read began. */
	set(id: string, session: CachedSession, now: number, generationAtRead: number): void {
		if (generationAtRead !== this.generation) return;
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
	const cache = new SessionCache();
	const onChange = () => cache.clear();
	let unlisten: () => Promise<unknown>;
	if (handle.raw.kind === 'postgres') {
		// The third argument runs on every (re)connection of the listening connection.
		const listening = await handle.raw.client.listen(AUTH_CHANGED_CHANNEL, onChange, () => {
			if (cache.generation > 0) logger.info('listening for session changes again');
			onChange();
		});
		unlisten = listening.unlisten;
	} else {
		unlisten = await handle.raw.client.listen(AUTH_CHANGED_CHANNEL, onChange);
	}
	byDb.set(handle.db, cache);
	active.add(cache);
	return async () => {
		byDb.delete(handle.db);
		active.delete(cache);
		await unlisten();
	};
}
