import { describe, expect, it } from 'vitest';
import { formatDate, formatIsoDate } from '../../src/lib/format.ts';

describe('dates are the UK calendar date, whatever the time of day in UTC', () => {
	it('puts 00:30 on a summer morning (23:30 UTC the evening before) on the UK day', () => {
		expect(formatIsoDate('2026-07-01T23:30:00Z')).toBe('2026-07-02');
		expect(formatDate('2026-07-01T23:30:00Z')).toBe('2 July 2026');
	});
	it('keeps a winter evening on its own day (UTC is UK time then)', () => {
		expect(formatIsoDate(new Date('2026-01-01T23:30:00Z'))).toBe('2026-01-01');
	});
});
