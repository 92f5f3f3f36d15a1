/** Times are stored in UTC and always shown in UK time. */
const dateTime = new Intl.DateTimeFormat('en-GB', {
	timeZone: 'Europe/London',
	day: 'numeric',
	month: 'short',
	year: 'numeric',
	hour: '2-digit',
	minute: '2-digit'
});
const date = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' });

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
