import { describe, expect, it } from 'vitest';
import { ExportTurns, csvResponse } from '../../src/lib/server/http/csv-response.ts';

/** An export of `batches` batches that records how many exports are reading rows at once. */
function counting(state: { active: number; most: number }, batches: number) {
	return (async function* () {
		state.active++;
		state.most = Math.max(state.most, state.active);
		try {
			for (let i = 0; i < batches; i++) {
				await new Promise((r) => setTimeout(r, 2));
				yield [[`row ${i}`, 'x']];
			}
		} finally {
			state.active--;
		}
	})();
}

describe('CSV exports take turns', () => {
	it('streams at most the number of turns at once, and every export completes in full', async () => {
		const turns = new ExportTurns(2);
		const state = { active: 0, most: 0 };
		const bodies = await Promise.all(
			Array.from({ length: 7 }, () =>
				csvResponse('x.csv', ['a', 'b'], counting(state, 5), turns).text()
			)
		);
		expect(state.most).toBe(2);
		for (const body of bodies) expect(body.trim().split('\r\n')).toHaveLength(6);
	});

	it('gives a turn back when a waiting or streaming export is cancelled', async () => {
		const turns = new ExportTurns(1);
		const state = { active: 0, most: 0 };
		const streaming = csvResponse('a.csv', ['a'], counting(state, 1000), turns);
		const reader = streaming.body!.getReader();
		await reader.read();
		await reader.read();
		const waiting = csvResponse('b.csv', ['a'], counting(state, 1000), turns);
		const waitingReader = waiting.body!.getReader();
		await waitingReader.read(); // the header only: its turn has not come
		await waitingReader.cancel();
		await reader.cancel();
		// Both turns are free again: a new export streams to the end.
		const body = await csvResponse('c.csv', ['a', 'b'], counting(state, 3), turns).text();
		expect(body.trim().split('\r\n')).toHaveLength(4);
	});
});
