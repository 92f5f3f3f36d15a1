import type { Db } from '../db/types.ts';
import { queueEmail, type EmailAttachment } from '../email/mailer.ts';
import { config } from '../config.ts';
import { formatDateTime } from '../../format.ts';
import type { EventRow, SessionRow } from './queries.ts';

/**
 * One function per message kind, each queued inside the caller's transaction through the same
 * email path as every other message (delivered after commit). Messages to people with a place
 * carry the calendar invitation and the joining instructions.
 */
export interface Recipient {
	name: string;
	email: string;
}

export const eventUrl = (eventId: string) =>
	`${config.origin ?? `http://localhost:${process.env.PORT ?? 3000}`}/events/${eventId}`;

function organiser(): { name: string; email: string } {
	const m = /^(.*?)\s*<([^>]+)>$/.exec(config.mailFrom);
	return m
		? { name: m[1]!.trim() || 'Safer Learning', email: m[2]! }
		: { name: 'Safer Learning', email: config.mailFrom };
}

/** The ics package (and its recurrence library) is loaded with the first calendar file made. */
export async function calendarFor(
	event: EventRow,
	sessions: SessionRow[],
	to: Recipient,
	method: 'REQUEST' | 'CANCEL' = 'REQUEST'
): Promise<string> {
	const { calendarFile } = await import('./calendar.ts');
	return calendarFile({
		title: event.title,
		description: event.description,
		sequence: event.sequence,
		sessions,
		organiser: organiser(),
		attendee: to,
		method,
		url: eventUrl(event.id)
	});
}

async function invitation(
	event: EventRow,
	sessions: SessionRow[],
	to: Recipient,
	method: 'REQUEST' | 'CANCEL'
): Promise<EmailAttachment> {
	const ics = await calendarFor(event, sessions, to, method);
	return {
		filename: method === 'CANCEL' ? 'cancelled.ics' : 'invitation.ics',
		contentType: `text/calendar; charset=utf-8; method=${method}`,
		contentBase64: Buffer.from(ics).toString('base64')
	};
}

/** When and where, session by session; joining links only ever go to people with a place. */
export function joiningInstructions(sessions: SessionRow[]): string {
	return sessions
		.map((s, i) => {
			const lines = [
				`${sessions.length > 1 ? `Session ${i + 1}: ` : ''}${formatDateTime(s.startsAt)} to ${formatDateTime(s.endsAt)} (UK time)`
			];
			if (s.joiningUrl) lines.push(`Online. Join at: ${s.joiningUrl}`);
			if (s.venueName || s.venueAddress)
				lines.push(`Venue: ${[s.venueName, s.venueAddress].filter(Boolean).join(', ')}`);
			if (s.accessNotes) lines.push(`Access: ${s.accessNotes}`);
			return lines.join('\n');
		})
		.join('\n\n');
}

const hello = (to: Recipient) => `Hello ${to.name.split(' ')[0]},`;

export async function bookingConfirmedEmail(
	tx: Db,
	event: EventRow,
	sessions: SessionRow[],
	to: Recipient
) {
	return queueEmail(tx, {
		kind: 'event-booking-confirmed',
		to: to.email,
		subject: `Place booked: ${event.title}`,
		body: `${hello(to)}\n\nYou have a place on ${event.title}.\n\n${joiningInstructions(sessions)}\n\nThe calendar invitation is attached. To cancel, or to see the details again:\n${eventUrl(event.id)}\n`,
		attachments: [await invitation(event, sessions, to, 'REQUEST')]
	});
}

export function waitingListEmail(tx: Db, event: EventRow, to: Recipient, position: number) {
	return queueEmail(tx, {
		kind: 'event-waiting-list',
		to: to.email,
		subject: `On the waiting list: ${event.title}`,
		body: `${hello(to)}\n\n${event.title} is full, so you are number ${position} on the waiting list. If a place comes free it goes to the first person on the list, and we will email you straight away.\n\n${eventUrl(event.id)}\n`
	});
}

export function approvalRequestedEmail(tx: Db, event: EventRow, to: Recipient) {
	return queueEmail(tx, {
		kind: 'event-approval-requested',
		to: to.email,
		subject: `Waiting for your manager: ${event.title}`,
		body: `${hello(to)}\n\nA place on ${event.title} is held for you while your manager decides whether to approve it. We will email you with their decision.\n\n${eventUrl(event.id)}\n`
	});
}

export function approvalDeclinedEmail(tx: Db, event: EventRow, to: Recipient, reason: string) {
	return queueEmail(tx, {
		kind: 'event-approval-declined',
		to: to.email,
		subject: `Not approved: ${event.title}`,
		body: `${hello(to)}\n\nYour manager did not approve your place on ${event.title}.\n\nTheir reason: ${reason}\n`
	});
}

export async function promotedEmail(
	tx: Db,
	event: EventRow,
	sessions: SessionRow[],
	to: Recipient
) {
	return queueEmail(tx, {
		kind: 'event-promoted',
		to: to.email,
		subject: `A place came free: ${event.title}`,
		body: `${hello(to)}\n\nA place came free on ${event.title} and it is now yours.\n\n${joiningInstructions(sessions)}\n\nThe calendar invitation is attached. If you can no longer go, please cancel so the next person can have it:\n${eventUrl(event.id)}\n`,
		attachments: [await invitation(event, sessions, to, 'REQUEST')]
	});
}

export async function bookingCancelledEmail(
	tx: Db,
	event: EventRow,
	sessions: SessionRow[],
	to: Recipient,
	hadPlace: boolean
) {
	return queueEmail(tx, {
		kind: 'event-booking-cancelled',
		to: to.email,
		subject: `Booking cancelled: ${event.title}`,
		body: `${hello(to)}\n\nYour booking on ${event.title} is cancelled.${hadPlace ? ' The attached file removes it from your calendar.' : ''}\n`,
		attachments: hadPlace ? [await invitation(event, sessions, to, 'CANCEL')] : []
	});
}

export async function eventChangedEmail(
	tx: Db,
	event: EventRow,
	sessions: SessionRow[],
	to: Recipient
) {
	return queueEmail(tx, {
		kind: 'event-changed',
		to: to.email,
		subject: `Changed: ${event.title}`,
		body: `${hello(to)}\n\nThe details of ${event.title} have changed. This is what stands now:\n\n${joiningInstructions(sessions)}\n\nThe attached invitation updates your calendar.\n${eventUrl(event.id)}\n`,
		attachments: [await invitation(event, sessions, to, 'REQUEST')]
	});
}

export async function eventCancelledEmail(
	tx: Db,
	event: EventRow,
	sessions: SessionRow[],
	to: Recipient,
	reason: string,
	hadPlace: boolean
) {
	return queueEmail(tx, {
		kind: 'event-cancelled',
		to: to.email,
		subject: `Event cancelled: ${event.title}`,
		body: `${hello(to)}\n\n${event.title} has been cancelled by the organisers.\n\nReason: ${reason}\n${hadPlace ? '\nThe attached file removes it from your calendar.\n' : ''}`,
		attachments: hadPlace ? [await invitation(event, sessions, to, 'CANCEL')] : []
	});
}

export async function reminderEmail(
	tx: Db,
	event: EventRow,
	sessions: SessionRow[],
	to: Recipient
) {
	return queueEmail(tx, {
		kind: 'event-reminder',
		to: to.email,
		subject: `Reminder, in two days: ${event.title}`,
		body: `${hello(to)}\n\nThis is a reminder that you have a place on ${event.title}.\n\n${joiningInstructions(sessions)}\n\nIf you can no longer go, please cancel so someone on the waiting list can have your place:\n${eventUrl(event.id)}\n`,
		attachments: [await invitation(event, sessions, to, 'REQUEST')]
	});
}
