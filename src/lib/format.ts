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

export const formatDateTime = (value: Date | string) => dateTime.format(new Date(value));
export const formatDate = (value: Date | string) => date.format(new Date(value));
