import { createEvents, type EventAttributes } from 'ics';

/**
 * Calendar invitations through the `ics` package. Each session is one VEVENT whose UID is the
 * session's id, so a change sends the same UID with a higher SEQUENCE (calendars update the entry
 * in place) and a cancellation sends METHOD:CANCEL with the same UID (calendars remove it).
 */
export interface CalendarSession {
	id: string;
	startsAt: Date;
	endsAt: Date;
	venueName: string | null;
	venueAddress: string | null;
	joiningUrl: string | null;
}

export interface CalendarInput {
	title: string;
	description: string;
	sequence: number;
	sessions: CalendarSession[];
	organiser: { name: string; email: string };
	attendee: { name: string; email: string };
	/** REQUEST: add or update; CANCEL: remove */
	method: 'REQUEST' | 'CANCEL';
	/** where the event's page is */
	url?: string;
}

export const calendarUid = (sessionId: string) => `${sessionId}@safer-learning`;

export function calendarFile(input: CalendarInput): string {
	const events: EventAttributes[] = input.sessions.map((s, i) => ({
		uid: calendarUid(s.id),
		sequence: input.sequence,
		method: input.method,
		title:
			input.sessions.length > 1
				? `${input.title} (session ${i + 1} of ${input.sessions.length})`
				: input.title,
		description: [input.description, s.joiningUrl ? `Join online: ${s.joiningUrl}` : '']
			.filter(Boolean)
			.join('\n\n'),
		location: s.joiningUrl
			? 'Online'
			: [s.venueName, s.venueAddress].filter(Boolean).join(', ') || undefined,
		...(input.url ? { url: input.url } : {}),
		start: s.startsAt.getTime(),
		startInputType: 'utc',
		startOutputType: 'utc',
		end: s.endsAt.getTime(),
		endInputType: 'utc',
		endOutputType: 'utc',
		status: input.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED',
		organizer: input.organiser,
		attendees: [
			{
				name: input.attendee.name,
				email: input.attendee.email,
				rsvp: false,
				partstat: 'ACCEPTED',
				role: 'REQ-PARTICIPANT'
			}
		]
	}));
	const { error, value } = createEvents(events, {
		method: input.method,
		productId: 'safer-learning/events'
	});
	if (error || !value) throw error ?? new Error('The calendar file could not be made.');
	return value;
}
