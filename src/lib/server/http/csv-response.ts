import os from 'node:os';
import { csvLine } from '../csv.ts';
import { logger } from '../logger.ts';

/**
 * Turns for exports: at most `size` stream at once and the rest wait in order. The database work
 * behind an export is CPU-bound, so more at once does not finish sooner on this many cores; it
 * only holds more batches in memory (ten of the largest organisation's exports at once took the
 * process from about 200 MB to 430 MB; see docs/benchmarks.md).
 */
export class ExportTurns {
	#free: number;
	readonly #waiting: (() => void)[] = [];
	constructor(readonly size: number) {
		this.#free = size;
	}
	/** Resolves when it is this export's turn, with the function that ends the turn (idempotent). */
	async take(): Promise<() => void> {
		if (this.#free > 0) this.#free--;
		else await new Promise<void>((resolve) => this.#waiting.push(resolve));
		let ended = false;
		return () => {
			if (ended) return;
			ended = true;
			const next = this.#waiting.shift();
			if (next) next();
			else this.#free++;
		};
	}
}

export const exportTurns = new ExportTurns(Math.max(2, os.availableParallelism()));

/**
 * Streams CSV from chunks of rows as they are read, so a large organisation's export never sits
 * whole in memory. A BOM first, so Excel reads UTF-8 names correctly.
 */
export function csvResponse(
	filename: string,
	header: string[],
	chunks: AsyncGenerator<unknown[][]>,
	turns: ExportTurns = exportTurns
): Response {
	const encoder = new TextEncoder();
	let endTurn: (() => void) | undefined;
	let cancelled = false;
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			controller.enqueue(encoder.encode('\ufeff' + csvLine(header)));
			endTurn = await turns.take();
			// Cancelled while waiting for its turn: give the turn straight back.
			if (cancelled) endTurn();
		},
		async pull(controller) {
			try {
				const next = await chunks.next();
				if (cancelled) return;
				if (next.done) {
					endTurn?.();
					controller.close();
				} else controller.enqueue(encoder.encode(next.value.map(csvLine).join('')));
			} catch (error) {
				endTurn?.();
				logger.error('csv export failed part-way', { filename, error: String(error) });
				controller.error(error);
			}
		},
		async cancel() {
			cancelled = true;
			endTurn?.();
			await chunks.return(undefined);
		}
	});
	return new Response(stream, {
		headers: {
			'Content-Type': 'text/csv; charset=utf-8',
			'Content-Disposition': `attachment; filename="${filename}"`,
			'Cache-Control': 'private, no-store'
		}
	});
}
