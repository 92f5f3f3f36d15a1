/**
 * Event times are entered as a date and a wall-clock time in the UK and stored in UTC. The offset
 * (GMT or BST) is the one Europe/London has at that moment, found through Intl.
 */
const parts = new Intl.DateTimeFormat('en-GB', {
	timeZone: 'Europe/London',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit',
	hour: '2-digit',
	minute: '2-digit',
	hourCycle: 'h23'
});

function londonFields(at: Date): { date: string; time: string } {
	const p = Object.fromEntries(parts.formatToParts(at).map((x) => [x.type, x.value]));
	return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/** `2026-03-10` and `09:30` in the UK → the UTC instant; null when no such wall-clock time exists. */
export function ukToUtc(date: string, time: string): Date | null {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
	const t = /^(\d{2}):(\d{2})$/.exec(time);
	if (!m || !t) return null;
	const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(t[1]), Number(t[2]));
	if (Number.isNaN(asUtc)) return null;
	// The UK is UTC or UTC+1: try both, keep the one that reads back as what was entered.
	for (const offsetHours of [0, 1]) {
		const candidate = new Date(asUtc - offsetHours * 3600_000);
		const back = londonFields(candidate);
		if (back.date === date && back.time === time) return candidate;
	}
	return null;
}

/** The UK date and time of an instant, as form fields hold them. */
export function utcToUk(at: Date): { date: string; time: string } {
	return londonFields(at);
}
