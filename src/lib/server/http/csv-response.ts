import { csvLine } from '../csv.ts';
import { logger } from '../logger.ts';

/**
 * Streams CSV from chunks of rows as they are read, so a large organisation's export never sits
 * whole in memory. A BOM first, so Excel reads UTF-8 names correctly.
 */
export function csvResponse(filename: string, header: string[], chunks: AsyncGenerator<unknown[][]>): Response {
	const encoder = new TextEncoder();
	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(encoder.encode('\ufeff' + csvLine(header)));
		},
		async pull(controller) {
			try {
				const next = await chunks.next();
				if (next.done) controller.close();
				else controller.enqueue(encoder.encode(next.value.map(csvLine).join('')));
			} catch (error) {
				logger.error('csv export failed part-way', { filename, error: String(error) });
				controller.error(error);
			}
		},
		async cancel() {
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
