/**
 * Request bodies read with a limit counted on the stream itself, not on the Content-Length header:
 * a chunked body has none, and adapter-node's BODY_SIZE_LIMIT is set for the largest SCORM
 * upload. Reading stops as soon as the limit is passed.
 */
export class BodyTooLargeError extends Error {
	readonly status = 413;
	constructor(readonly limitBytes: number) {
		super(`The body is larger than ${limitBytes} bytes.`);
		this.name = 'BodyTooLargeError';
	}
}

export async function readBodyLimited(request: Request, limitBytes: number): Promise<Buffer> {
	const declared = Number(request.headers.get('content-length') ?? 0);
	if (declared > limitBytes) throw new BodyTooLargeError(limitBytes);
	if (!request.body) return Buffer.alloc(0);
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		total += value.byteLength;
		if (total > limitBytes) {
			// Stop reading without cancelling: cancelling makes adapter-node destroy the socket before
			// the 413 is sent. Unread, the stream stays paused and Node closes the connection after
			// the answer, so nothing more is read either way.
			reader.releaseLock();
			throw new BodyTooLargeError(limitBytes);
		}
		chunks.push(value);
	}
	return Buffer.concat(chunks, total);
}

/** The same request with its body read within the limit (so formData() and text() are bounded). */
export async function limitedRequest(request: Request, limitBytes: number): Promise<Request> {
	const body = await readBodyLimited(request, limitBytes);
	return new Request(request.url, {
		method: request.method,
		headers: request.headers,
		body: body.length
			? new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength)
			: null
	});
}
