import { error, fail, type ActionFailure } from '@sveltejs/kit';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { ThrottledError } from '../auth/service.ts';
import { formToObject } from '../validation.ts';
import { BodyTooLargeError, limitedRequest } from './body.ts';
import { hasUnstorableText } from './boundary.ts';

export interface FormFailure {
	errors: Record<string, string>;
	values: Record<string, string | string[]>;
	message?: string;
}

/** Largest form body we read (forms with a file field pass their own, larger, limit). */
export const MAX_FORM_BYTES = 1024 * 1024;

/**
 * Reads a form body within a limit counted on the stream (a chunked body has no Content-Length),
 * refusing huge or malformed ones with a 4xx instead of failing later.
 */
export async function readForm(request: Request, limitBytes = MAX_FORM_BYTES): Promise<FormData> {
	let limited: Request;
	try {
		limited = await limitedRequest(request, limitBytes);
	} catch (e) {
		if (e instanceof BodyTooLargeError) error(413, 'What you sent is too large.');
		error(400, 'We could not read what you sent. Please try again.');
	}
	let form: FormData;
	try {
		form = await limited.formData();
	} catch {
		error(400, 'We could not read what you sent. Please try again.');
	}
	// PostgreSQL cannot store a NUL (nor half a surrogate pair): no field of ours may hold one.
	for (const [key, value] of form.entries())
		if (hasUnstorableText(key) || (typeof value === 'string' && hasUnstorableText(value)))
			error(400, 'What you sent contains characters we cannot accept.');
	return form;
}

/** Values to echo back into the form after a failure (never passwords). */
export function safeValues(form: FormData): Record<string, string | string[]> {
	const values = formToObject(form);
	for (const key of Object.keys(values)) if (/password/i.test(key)) delete values[key];
	return values;
}

/**
 * Turns a service error into the right answer: field errors for the form (400), a clear message
 * for conflicts (409), 429 with Retry-After for throttling; 403/404 as error pages.
 */
export function failFromError(
	e: unknown,
	form: FormData,
	setHeaders?: (headers: Record<string, string>) => void
): ActionFailure<FormFailure> {
	const values = safeValues(form);
	if (e instanceof ValidationError)
		return fail(400, { errors: e.fieldErrors, values, message: e.message });
	if (e instanceof ThrottledError) {
		setHeaders?.({ 'Retry-After': String(e.retryAfterSeconds) });
		return fail(429, { errors: { form: e.message }, values, message: e.message });
	}
	if (e instanceof ConflictError)
		return fail(409, { errors: { form: e.message }, values, message: e.message });
	if (e instanceof ForbiddenError) error(403, e.message);
	if (e instanceof NotFoundError) error(404, e.message);
	throw e;
}

/** For loads: a service's not-found or forbidden becomes the matching error page. */
export async function orErrorPage<T>(work: Promise<T>): Promise<T> {
	try {
		return await work;
	} catch (e) {
		if (e instanceof NotFoundError || e instanceof ForbiddenError) error(e.status, e.message);
		throw e;
	}
}
