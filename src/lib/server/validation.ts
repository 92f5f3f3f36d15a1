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

/** Control characters, and the invisible marks that reorder text (bidi overrides and isolates). */

// eslint-disable-next-line no-control-regex -- control characters are exactly what names refuse
const CONTROL_OR_BIDI = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

export const nameField = z
	.string({ error: 'Enter a full name' })
	.trim()
	.min(1, 'Enter a full name')
	.max(MAX_TEXT, `Enter a name of ${MAX_TEXT} characters or fewer`)
	.refine(
		(v) => !CONTROL_OR_BIDI.test(v),
		'Enter a name using letters, spaces and punctuation only (no control or text-direction characters)'
	);

export const reasonField = z
	.string({ error: 'Enter a reason' })
	.trim()
	.min(3, 'Enter a reason for this change, for the audit log')
	.max(MAX_LONG_TEXT, `Enter a reason of ${MAX_LONG_TEXT} characters or fewer`);

export const uuidField = (message: string) =>
	z.string({ error: message }).trim().pipe(z.uuid(message));

export const optionalUuid = z
	.string()
	.trim()
	.optional()
	.transform((v) => (v ? v : undefined))
	.pipe(z.uuid('Choose from the list').optional());

/**
 * A form's (or a query string's) fields as a plain object, safe to parse and to send back to the
 * page; repeated keys become arrays. Files are dropped (forms that take files read them directly).
 */
export function formToObject(form: FormData | URLSearchParams): Record<string, string | string[]> {
	const out: Record<string, string | string[]> = {};
	for (const [key, value] of form.entries()) {
		// `__proto__` would set the object's prototype; no field of ours is called that.
		if (typeof value !== 'string' || key === '__proto__') continue;
		// Own fields only: `constructor`, `toString` and the like are inherited from Object.prototype.
		const existing = Object.hasOwn(out, key) ? out[key] : undefined;
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

/**
 * GOV.UK date input: a date typed as three fields, `${name}-day`, `${name}-month` and
 * `${name}-year`. Errors are keyed by the part to fix first (so the error summary links to an input
 * that exists); a message about the whole date is keyed by the day, the group's first input.
 */
export type DatePart = 'day' | 'month' | 'year';
const DATE_PARTS: readonly DatePart[] = ['day', 'month', 'year'];
const MONTHS = [
	'january',
	'february',
	'march',
	'april',
	'may',
	'june',
	'july',
	'august',
	'september',
	'october',
	'november',
	'december'
];

/** The error key (and input id) of one part of a date input. */
export const dateKey = (name: string, part: DatePart = 'day') => `${name}-${part}`;

export interface DateInputRule {
	/** How the date is named in messages, capitalised: "Due date". */
	label: string;
	/** The message for a blank date, when "Enter the due date" does not read well. */
	whenBlank?: string;
	/** A blank date is allowed (all three parts empty): the value is undefined. */
	optional?: boolean;
	minYear?: number;
	maxYear?: number;
}

export type DateInputResult =
	{ ok: true; value: string | undefined } | { ok: false; errors: Record<string, string> };

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const listParts = (parts: DatePart[]) =>
	parts.length === 3 ? 'a day, month and year' : `a ${parts.join(' and ')}`;

/**
 * Reads a date input from a form object into `YYYY-MM-DD`. A caller that sends the whole date as
 * one `YYYY-MM-DD` string under `name` (a service called directly, a CSV) goes through the same
 * rules. Months may be typed as numbers or names ("3", "Mar", "March"), as GOV.UK allows.
 */
export function parseDateInput(
	raw: Record<string, unknown>,
	name: string,
	{ label, whenBlank, optional = false, minYear = 1990, maxYear = 2100 }: DateInputRule
): DateInputResult {
	const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
	let parts: Record<DatePart, string>;
	const whole = text(raw[name]);
	if (whole && DATE_PARTS.every((p) => !text(raw[dateKey(name, p)]))) {
		const iso = /^(\d+)-(\d+)-(\d+)$/.exec(whole);
		if (!iso) return fail(dateKey(name), `${label} must be a real date`);
		parts = { year: iso[1]!, month: iso[2]!, day: iso[3]! };
	} else {
		parts = {
			day: text(raw[dateKey(name, 'day')]),
			month: text(raw[dateKey(name, 'month')]),
			year: text(raw[dateKey(name, 'year')])
		};
	}
	const missing = DATE_PARTS.filter((p) => !parts[p]);
	if (missing.length === 3)
		return optional
			? { ok: true, value: undefined }
			: fail(dateKey(name), whenBlank ?? `Enter the ${lowerFirst(label)}`);
	if (missing.length)
		return fail(dateKey(name, missing[0]), `${label} must include ${listParts(missing)}`);
	const monthByName = MONTHS.findIndex(
		(m) => parts.month.length >= 3 && m.startsWith(parts.month.toLowerCase())
	);
	const month =
		monthByName >= 0 ? monthByName + 1 : /^\d{1,2}$/.test(parts.month) ? Number(parts.month) : NaN;
	if (!/^\d{1,2}$/.test(parts.day)) return fail(dateKey(name), `${label} must be a real date`);
	if (Number.isNaN(month) || month < 1 || month > 12)
		return fail(dateKey(name, 'month'), `${label} must be a real date`);
	if (!/^\d{4}$/.test(parts.year))
		return fail(dateKey(name, 'year'), 'Year must include 4 numbers');
	const [day, year] = [Number(parts.day), Number(parts.year)];
	if (year < minYear || year > maxYear)
		return fail(dateKey(name, 'year'), `${label} must be between ${minYear} and ${maxYear}`);
	const date = new Date(Date.UTC(year, month - 1, day, 12));
	if (
		date.getUTCFullYear() !== year ||
		date.getUTCMonth() !== month - 1 ||
		date.getUTCDate() !== day
	)
		return fail(dateKey(name), `${label} must be a real date`);
	return { ok: true, value: date.toISOString().slice(0, 10) };

	function fail(key: string, message: string): DateInputResult {
		return { ok: false, errors: { [key]: message } };
	}
}

/**
 * Parses a form with date inputs: each date becomes `YYYY-MM-DD` under its name for the schema,
 * and every problem (dates' and the schema's) is reported at once. A schema error on a date's name
 * moves to its day input, where the error summary can link.
 */
export function parseInputWithDates<S extends z.ZodType>(
	schema: S,
	raw: Record<string, unknown>,
	dates: Record<string, DateInputRule>
): z.output<S> {
	const errors: Record<string, string> = {};
	const input: Record<string, unknown> = { ...raw };
	for (const [name, rule] of Object.entries(dates)) {
		const result = parseDateInput(raw, name, rule);
		if (result.ok) input[name] = result.value;
		else {
			Object.assign(errors, result.errors);
			delete input[name];
		}
	}
	const parsed = schema.safeParse(input);
	if (parsed.success && !Object.keys(errors).length) return parsed.data;
	if (!parsed.success)
		for (const [key, message] of Object.entries(fieldErrorsOf(parsed.error))) {
			if (key in dates) {
				if (!DATE_PARTS.some((p) => dateKey(key, p) in errors)) errors[dateKey(key)] = message;
			} else errors[key] ??= message;
		}
	throw new ValidationError(inFormOrder(errors, raw));
}

/**
 * Errors in the order the form sent its fields (FormData keeps the page's order), so the error
 * summary lists problems top to bottom; fields the form did not send come last.
 */
export function inFormOrder(
	errors: Record<string, string>,
	raw: Record<string, unknown>
): Record<string, string> {
	const order = Object.keys(raw);
	const at = (key: string) => {
		const i = order.indexOf(key);
		return i < 0 ? order.length : i;
	};
	return Object.fromEntries(Object.entries(errors).sort(([a], [b]) => at(a) - at(b)));
}

/** A date the date-input parser has already checked (`YYYY-MM-DD`), as midday UTC. */
export const parsedDateField = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/)
	.transform((v) => new Date(`${v}T12:00:00Z`));
