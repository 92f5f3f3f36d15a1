/** Times are stored in UTC and always shown in UK time. */
const dateTime = new Intl.DateTimeFormat('en-GB', {
	timeZone: 'Europe/London',
	day: 'numeric',
	month: 'short',
	year: 'numeric',
	hour: '2-digit',
	minute: '2-digit'
});
const date = new Intl.DateTimeFormat('en-GB', {
	timeZone: 'Europe/London',
	day: 'numeric',
	month: 'long',
	year: 'numeric'
});

/** en-CA writes dates as YYYY-MM-DD: the UK calendar date, for CSV files and comparisons. */
const isoDate = new Intl.DateTimeFormat('en-CA', {
	timeZone: 'Europe/London',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit'
});

/** Intl formatting with a time zone is slow and pages repeat the same dates: remember recent ones. */
function remembered(format: Intl.DateTimeFormat) {
	const recent = new Map<number, string>();
	return (value: Date | string) => {
		const time = new Date(value).getTime();
		let text = recent.get(time);
		if (text === undefined) {
			text = format.format(time);
			if (recent.size >= 1000) recent.clear();
			recent.set(time, text);
		}
		return text;
	};
}

export const formatDateTime = remembered(dateTime);
export const formatDate = remembered(date);
/** The UK calendar date as YYYY-MM-DD (a UTC slice would put 00:30 in summer on the day before). */
export const formatIsoDate = remembered(isoDate);

// Made once: Intl.DateTimeFormat and NumberFormat cost far more to create than to use, so a
// toLocaleString() call per value (which creates one each time) dominated the charts' render.
const monthShort = new Intl.DateTimeFormat('en-GB', { month: 'short', timeZone: 'UTC' });
const monthLong = new Intl.DateTimeFormat('en-GB', {
	month: 'long',
	year: 'numeric',
	timeZone: 'UTC'
});
const wholeNumber = new Intl.NumberFormat('en-GB');

/** "2026-03" → "Mar" (short) or "March 2026" (long); anything else stays as given. */
export function formatMonth(label: string, style: 'short' | 'long'): string {
	const [y, m] = label.split('-').map(Number);
	if (!y || !m) return label;
	return (style === 'short' ? monthShort : monthLong).format(Date.UTC(y, m - 1, 1));
}

/** 1234 → "1,234". */
export const formatCount = (count: number): string => wholeNumber.format(count);

/** "A", "A or B", "A, B or C": the courses that meet one requirement. */
export function orList(items: readonly string[]): string {
	return items.length <= 1
		? (items[0] ?? '')
		: `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** A count with its noun: "1 entry", "2 entries", "1,234 people". */
export function pluralCount(count: number, one: string, many: string): string {
	return `${formatCount(count)} ${count === 1 ? one : many}`;
}
