import { describe, expect, it } from 'vitest';
import {
	createAvailability,
	DOWN,
	isConnectionError
} from '../../src/lib/server/db/availability.ts';

const connectionError = () =>
	Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('the database availability breaker', () => {
	it('opens on a connection error, answers waiting work at once, and closes on the first good probe', async () => {
		let reachable = false;
		let probes = 0;
		const a = createAvailability({ probe: async () => (probes++, reachable), probeEveryMs: 10 });
		try {
			expect(a.down).toBe(false);
			expect(a.report(new Error('syntax error'))).toBe(false);
			expect(a.down).toBe(false);
			const stalled = a.race(new Promise(() => {}));
			const t0 = performance.now();
			expect(a.report(connectionError())).toBe(true);
			expect(await stalled).toBe(DOWN);
			expect(performance.now() - t0).toBeLessThan(50);
			expect(a.down).toBe(true);
			expect(await a.race(Promise.resolve('work'))).toBe(DOWN);
			await new Promise((r) => setTimeout(r, 60));
			expect(probes).toBeGreaterThan(1);
			reachable = true;
			await expect.poll(() => a.down, { timeout: 1000 }).toBe(false);
			expect(await a.race(Promise.resolve('work'))).toBe('work');
		} finally {
			a.stop();
		}
	});

	it('knows connection errors from other errors, also when wrapped', () => {
		expect(isConnectionError(connectionError())).toBe(true);
		expect(isConnectionError(new Error('wrapped', { cause: { code: '57P01' } }))).toBe(true);
		expect(isConnectionError(Object.assign(new Error('unique'), { code: '23505' }))).toBe(false);
		expect(isConnectionError(null)).toBe(false);
	});
});
