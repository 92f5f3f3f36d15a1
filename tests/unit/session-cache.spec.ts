import { describe, expect, it } from 'vitest';
import {
	MAX_AGE_MS,
	SILENT_AFTER_MS,
	SessionCache,
	type CachedSession
} from '../../src/lib/server/auth/session-cache.ts';

const session = (id: string): CachedSession => ({
	secretHash: new Uint8Array([1, 2, 3]),
	expiresAt: new Date('2026-12-31T00:00:00Z'),
	status: 'active',
	user: {
		id,
		name: 'Sam Example',
		email: 'sam@example.org',
		organisationId: 'org',
		teamId: null,
		audience: 'frontline',
		isAdmin: false,
		managedOrganisationIds: []
	}
});

describe('SessionCache', () => {
	it('serves an entry until MAX_AGE_MS after it was read', () => {
		const cache = new SessionCache({ heartbeat: false });
		cache.set('a', session('u1'), 1_000, cache.generation);
		expect(cache.get('a', 1_000 + MAX_AGE_MS - 1)?.user.id).toBe('u1');
		expect(cache.get('a', 1_000 + MAX_AGE_MS)).toBeUndefined();
	});

	it('does not keep a read that began before a change was announced', () => {
		const cache = new SessionCache({ heartbeat: false });
		const generationAtRead = cache.generation;
		cache.clear(); // a notice arrives while the database read is in flight
		cache.set('a', session('u1'), 1_000, generationAtRead);
		expect(cache.get('a', 1_000)).toBeUndefined();
	});

	it('with a heartbeat, serves nothing until its own ping comes back, nor once pings stop, and starts afresh after a gap', () => {
		let clock = 0;
		const cache = new SessionCache({ heartbeat: true, clock: () => clock });
		cache.set('a', session('u1'), clock, cache.generation);
		expect(cache.get('a', clock)).toBeUndefined();

		cache.heard();
		cache.set('a', session('u1'), clock, cache.generation);
		expect(cache.get('a', clock)?.user.id).toBe('u1');

		clock += SILENT_AFTER_MS + 1; // the listener went quiet: notices may be lost
		expect(cache.listening).toBe(false);
		expect(cache.get('a', 0)).toBeUndefined();
		cache.set('b', session('u2'), 0, cache.generation);
		cache.heard();
		expect(cache.get('b', 0)).toBeUndefined();
	});
});
