import { z } from 'zod';
import { ValidationError } from './errors.ts';

/** Shared field rules, so every form and the CSV import say the same thing about the same field. */
export const MAX_TEXT = 200;
export const MAX_LONG_TEXT = 2000;

export const emailField = z
	.string({ error: 'Enter an email address' })
	.trim()
	.toLowerCase()
	.min(1, 'Enter an email address')
	.max(254, 'Enter an email address of 254 characters or fewer')
	.pipe(z.email('Enter an email address in the correct format, like name@example.org'));

export const nameField = z
	.string({ error: 'Enter a full name' })
	.trim()
	.min(1, 'Enter a full name')
	.max(MAX_TEXT, `Enter a name of ${MAX_TEXT} characters or fewer`);

export const reasonField = z
	.string({ error: 'Enter a reason' })
	.trim()
	.min(3, 'Enter a reason for this change, for the audit log')
	.max(MAX_LONG_TEXT, `Enter a reason of ${MAX_LONG_TEXT} characters or fewer`);

export const uuidField = (message: string) => z.string({ error: message }).trim().pipe(z.uuid(message));

export const optionalUuid = z
	.string()
	.trim()
	.optional()
	.transform((v) => (v ? v : undefined))
	.pipe(z.uuid('Choose from the list').optional());

/** FormData → plain object; repeated keys become arrays. Files are dropped (forms that take files read them directly). */
export function formToObject(form: FormData): Record<string, string | string[]> {
	const out: Record<string, string | string[]> = {};
	for (const [key, value] of form.entries()) {
		if (typeof value !== 'string') continue;
		const existing = out[key];
		if (existing === undefined) out[key] = value;
		else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
	}
	return out;
}

/** Parses with the schema or throws a ValidationError keyed by field name (first message per field). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
	const result = schema.safeParse(input);
	if (result.success) return result.data;
	throw new ValidationError(fieldErrorsOf(result.error));
}

export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
	const errors: Record<string, string> = {};
	for (const issue of error.issues) {
		const key = issue.path.length ? String(issue.path[0]) : 'form';
		errors[key] ??= issue.message;
	}
	return errors;
}
