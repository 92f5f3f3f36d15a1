import { AsyncLocalStorage } from 'node:async_hooks';
import { pino } from 'pino';

/**
 * Structured logs (pino): one JSON line per event on stdout, for log collectors. Every line written
 * while a request (or a job it enqueued) is handled carries that request's `requestId`. Callers pass
 * ids and counts, never passwords, tokens, email addresses or names; the redaction list is a safety
 * net, not permission. `LOG_LEVEL` sets the level (default `info`).
 */
type Fields = Record<string, unknown>;

const context = new AsyncLocalStorage<{ requestId: string }>();

/** Field names whose values are replaced, at the top level and one level down. */
const SECRET_FIELDS = [
	'password',
	'token',
	'secret',
	'authorization',
	'cookie',
	'email',
	'to',
	'name',
	'body'
];

const base = pino({
	level: process.env.LOG_LEVEL?.trim() || 'info',
	base: undefined,
	messageKey: 'message',
	timestamp: pino.stdTimeFunctions.isoTime,
	formatters: { level: (label) => ({ level: label }) },
	mixin: () => {
		const store = context.getStore();
		return store ? { requestId: store.requestId } : {};
	},
	redact: { paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)], censor: '[redacted]' }
});

export const logger = {
	debug: (message: string, fields?: Fields) => base.debug(fields ?? {}, message),
	info: (message: string, fields?: Fields) => base.info(fields ?? {}, message),
	warn: (message: string, fields?: Fields) => base.warn(fields ?? {}, message),
	error: (message: string, fields?: Fields) => base.error(fields ?? {}, message)
};

/** Runs `work` with every log line inside it (awaits included) tagged with this request id. */
export function withRequestId<T>(requestId: string, work: () => T): T {
	return context.run({ requestId }, work);
}

/** The request id of the request or job being handled, if any (jobs carry it in their data). */
export function currentRequestId(): string | undefined {
	return context.getStore()?.requestId;
}
