import { json, type RequestEvent, type RequestHandler } from '@sveltejs/kit';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { logger } from '../logger.ts';
import { isConnectionError } from '../db/availability.ts';
import { BodyTooLargeError, readBodyLimited } from '../http/body.ts';
import { jsonHasUnstorableText, jsonTooDeep } from '../http/boundary.ts';

/** Largest commit body accepted: 2004 suspend_data alone may be 64,000 characters. */
export const MAX_COMMIT_BYTES = 1024 * 1024;
/** A CMI tree nests a few levels (interactions, objectives); far deeper is not SCORM data. */
const MAX_JSON_DEPTH = 64;

/**
 * The runtime endpoints answer scorm-again's way: `{result, errorCode}` (101 = general failure),
 * plus a plain message. Only the platform's own pages may call them: the Origin header must be the
 * platform origin (the content origin, and any other site, is refused).
 */
export function refuse(status: number, message: string) {
	return json(
		{ result: false, errorCode: 101, message },
		{ status, headers: { 'cache-control': 'no-store' } }
	);
}

function checkOrigin(event: RequestEvent): Response | null {
	const origin = event.request.headers.get('origin');
	if (!origin || origin !== event.url.origin)
		return refuse(403, 'Requests must come from the platform itself.');
	return null;
}

/** Reads a JSON body sent as application/json or as text/plain (sendBeacon), within a size limit. */
async function readJsonBody(
	request: Request
): Promise<{ value: unknown; bytes: number; beacon: boolean } | Response> {
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	if (type !== 'application/json' && type !== 'text/plain')
		return refuse(415, 'Send JSON, as application/json or text/plain.');
	let text: string;
	try {
		text = (await readBodyLimited(request, MAX_COMMIT_BYTES)).toString('utf8');
	} catch (e) {
		if (e instanceof BodyTooLargeError) return refuse(413, 'The commit is too large.');
		return refuse(400, 'The request body could not be read.');
	}
	const bytes = Buffer.byteLength(text);
	if (jsonTooDeep(text, MAX_JSON_DEPTH)) return refuse(400, 'The body nests too deeply.');
	let value: unknown;
	try {
		value = JSON.parse(text) as unknown;
	} catch {
		return refuse(400, 'The body is not valid JSON.');
	}
	// The SCO's own data (cmi) is stored losslessly by the service; every other field must be storable text.
	if (value && typeof value === 'object' && jsonHasUnstorableText({ ...value, cmi: null }))
		return refuse(400, 'The body contains characters we cannot accept.');
	return { value, bytes, beacon: type === 'text/plain' };
}

function errorResponse(e: unknown, route: string): Response {
	if (e instanceof ValidationError) return refuse(400, e.message);
	if (e instanceof ForbiddenError) return refuse(403, e.message);
	if (e instanceof NotFoundError) return refuse(404, e.message);
	if (e instanceof ConflictError) return refuse(409, e.message);
	// An unreachable database becomes the 503 the player retries (hooks.server.ts), not an error line.
	if (isConnectionError(e)) throw e;
	logger.error('scorm runtime request failed', {
		route,
		error: e instanceof Error ? `${e.name}: ${e.message}` : String(e)
	});
	throw e;
}

/**
 * A runtime endpoint: origin check, JSON body, the service call, and its answer (or refusal) in
 * scorm-again's shape, never cached.
 */
export function runtimeEndpoint(
	route: string,
	handle: (
		event: RequestEvent,
		body: { value: unknown; bytes: number; beacon: boolean }
	) => Promise<object>
): RequestHandler {
	return async (event) => {
		const refused = checkOrigin(event);
		if (refused) return refused;
		const body = await readJsonBody(event.request);
		if (body instanceof Response) return body;
		try {
			return json(
				{ result: true, errorCode: 0, ...(await handle(event, body)) },
				{ headers: { 'cache-control': 'no-store' } }
			);
		} catch (e) {
			return errorResponse(e, route);
		}
	};
}
