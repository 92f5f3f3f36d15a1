import { describe, expect, it } from 'vitest';
import {
	formatCount,
	formatDate,
	formatIsoDate,
	formatMonth,
	pluralCount
} from '../../src/lib/format.ts';

describe('dates are the UK calendar date, whatever the time of day in UTC', () => {
	it('puts 00:30 on a summer morning (23:30 UTC the evening before) on the UK day', () => {
		expect(formatIsoDate('2026-07-01T23:30:00Z')).toBe('2026-07-02');
		expect(formatDate('2026-07-01T23:30:00Z')).toBe('2 July 2026');
	});
	it('keeps a winter evening on its own day (UTC is UK time then)', () => {
		expect(formatIsoDate(new Date('2026-01-01T23:30:00Z'))).toBe('2026-01-01');
	});
});

describe('chart labels and counts', () => {
	it('names a month of a chart short and long, and leaves a label that is not one as it is', () => {
		expect(formatMonth('2026-03', 'short')).toBe('Mar');
		expect(formatMonth('2026-03', 'long')).toBe('March 2026');
		expect(formatMonth('2025-12', 'long')).toBe('December 2025');
		expect(formatMonth('Q1', 'short')).toBe('Q1');
	});
	it('writes counts with thousands separated', () => {
		expect(formatCount(1234567)).toBe('1,234,567');
		expect(pluralCount(1, 'entry', 'entries')).toBe('1 entry');
		expect(pluralCount(2000, 'entry', 'entries')).toBe('2,000 entries');
	});
});
