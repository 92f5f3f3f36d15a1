import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
	parseDateInput,
	parseInputWithDates,
	parsedDateField
} from '../../src/lib/server/validation.ts';
import { ValidationError } from '../../src/lib/server/errors.ts';

const typed = (day: string, month: string, year: string) => ({
	'dueAt-day': day,
	'dueAt-month': month,
	'dueAt-year': year
});
const due = (raw: Record<string, unknown>, optional = false) =>
	parseDateInput(raw, 'dueAt', { label: 'Due date', optional });

describe('GOV.UK date input parser', () => {
	it('reads day, month and year in UK order into one date', () => {
		expect(due(typed('27', '3', '2026'))).toEqual({ ok: true, value: '2026-03-27' });
		expect(due(typed(' 07 ', '03', '2026'))).toEqual({ ok: true, value: '2026-03-07' });
		expect(due(typed('1', 'Mar', '2026'))).toEqual({ ok: true, value: '2026-03-01' });
		expect(due(typed('29', 'february', '2028'))).toEqual({ ok: true, value: '2028-02-29' });
	});

	it('takes a whole YYYY-MM-DD date under the name through the same rules', () => {
		expect(due({ dueAt: '2027-03-31' })).toEqual({ ok: true, value: '2027-03-31' });
		expect(due({ dueAt: '2027-02-31' })).toEqual({
			ok: false,
			errors: { 'dueAt-day': 'Due date must be a real date' }
		});
	});

	it('says what is missing, keyed by the first missing part', () => {
		expect(due({})).toEqual({ ok: false, errors: { 'dueAt-day': 'Enter the due date' } });
		expect(due(typed('27', '', '2026'))).toEqual({
			ok: false,
			errors: { 'dueAt-month': 'Due date must include a month' }
		});
		expect(due(typed('', '', '2026'))).toEqual({
			ok: false,
			errors: { 'dueAt-day': 'Due date must include a day and month' }
		});
		expect(due(typed('27', '3', ''))).toEqual({
			ok: false,
			errors: { 'dueAt-year': 'Due date must include a year' }
		});
	});

	it('refuses dates that do not exist, pointing at the wrong part', () => {
		expect(due(typed('31', '4', '2026')).ok).toBe(false);
		expect(due(typed('29', '2', '2027'))).toEqual({
			ok: false,
			errors: { 'dueAt-day': 'Due date must be a real date' }
		});
		expect(due(typed('12', '13', '2026'))).toEqual({
			ok: false,
			errors: { 'dueAt-month': 'Due date must be a real date' }
		});
		expect(due(typed('x', '3', '2026'))).toEqual({
			ok: false,
			errors: { 'dueAt-day': 'Due date must be a real date' }
		});
		expect(due(typed('1', '3', '26'))).toEqual({
			ok: false,
			errors: { 'dueAt-year': 'Year must include 4 numbers' }
		});
		expect(due(typed('1', '3', '1066'))).toEqual({
			ok: false,
			errors: { 'dueAt-year': 'Due date must be between 1990 and 2100' }
		});
	});

	it('lets an optional date be left blank, but not half filled', () => {
		expect(due({}, true)).toEqual({ ok: true, value: undefined });
		expect(due(typed('', '3', ''), true).ok).toBe(false);
	});

	it('reports date and other fields’ problems together, each under a key a form can link to', () => {
		const schema = z.object({ title: z.string().min(1, 'Enter a title'), dueAt: parsedDateField });
		const dates = { dueAt: { label: 'Due date' } };
		expect(parseInputWithDates(schema, { title: 'A', ...typed('2', '1', '2027') }, dates)).toEqual({
			title: 'A',
			dueAt: new Date('2027-01-02T12:00:00Z')
		});
		let error: unknown;
		try {
			parseInputWithDates(schema, { title: '', ...typed('2', '', '2027') }, dates);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ValidationError);
		expect((error as ValidationError).fieldErrors).toEqual({
			title: 'Enter a title',
			'dueAt-month': 'Due date must include a month'
		});
	});
});
