import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { canManageOrganisation, manageableOrganisationIds } from '../auth/permissions.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import {
	MAX_LONG_TEXT,
	MAX_TEXT,
	dateKey,
	parseDateInput,
	parseInput,
	parseInputWithDates,
	reasonField,
	type DateInputRule
} from '../validation.ts';
import { recordAudit } from '../audit/service.ts';
import {
	audiences,
	completions,
	courses,
	organisations,
	reminderLog,
	users,
	type Audience
} from '../db/schema.ts';
import {
	eventBookings,
	eventSessions,
	eventTrainers,
	events,
	attendanceMarks,
	type AttendanceMark,
	type BookingStatus
} from '../db/schema-events.ts';
import { runCompletionHooks } from '../courses/completion.ts';
import { refreshObligations } from '../tracking/queries.ts';
import { logger } from '../logger.ts';
import * as q from './queries.ts';
import * as mail from './emails.ts';
import { ukToUtc, utcToUk } from './uk-time.ts';

/**
 * Events: rules and permissions. Every change to who holds a place happens with the event's row
 * locked (SELECT … FOR UPDATE), so bookings, cancellations and promotions for one event are applied
 * one at a time and the count of places held can never pass the capacity.
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
export const MAX_SESSIONS = 3;

// --- Who may do what ------------------------------------------------------------------------

/** Admins, and managers of the organisation that runs the event, organise it. */
export function canOrganise(user: AuthUser, event: { organisationId: string }): boolean {
	return canManageOrganisation(user, event.organisationId);
}

async function assertRegisterAccess(db: Db, user: AuthUser, event: q.EventRow): Promise<void> {
	if (canOrganise(user, event)) return;
	if (await q.isTrainerOf(db, event.id, user.id)) return;
	throw new ForbiddenError('Only the event’s trainers and organisers can see its register.');
}

function mayBook(
	person: { organisationId: string; audience: Audience },
	event: q.EventRow
): string | null {
	if (
		event.bookableOrganisationIds.length &&
		!event.bookableOrganisationIds.includes(person.organisationId)
	)
		return 'This event is not open to people in your organisation.';
	if (event.audiences.length && !event.audiences.includes(person.audience))
		return 'This event is not open to your audience.';
	return null;
}

async function loadEvent(db: Db, id: string): Promise<q.EventRow> {
	const event = z.uuid().safeParse(id).success ? await q.findEvent(db, id) : undefined;
	if (!event) throw new NotFoundError('We could not find that event.');
	return event;
}

// --- Creating and editing -------------------------------------------------------------------

const checkbox = z
	.union([z.literal('on'), z.literal('true'), z.literal('')])
	.optional()
	.transform((v) => v === 'on' || v === 'true');
const many = z
	.union([z.string(), z.array(z.string())])
	.optional()
	.transform((v) =>
		(v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter(Boolean)
	);
const optionalText = (max: number) =>
	z
		.string()
		.trim()
		.max(max, `Enter ${max} characters or fewer`)
		.optional()
		.transform((v) => (v ? v : null));
/** A date the date-input parser has read (YYYY-MM-DD), as ukToUtc takes it. */
const parsedDay = z.string();
const EVENT_DATES: Record<string, DateInputRule> = {
	bookingOpens: { label: 'The date booking opens', whenBlank: 'Enter the date booking opens' },
	bookingCloses: { label: 'The date booking closes', whenBlank: 'Enter the date booking closes' }
};

const eventSchema = z.object({
	title: z
		.string({ error: 'Enter a title' })
		.trim()
		.min(3, 'Enter a title of at least 3 characters')
		.max(MAX_TEXT, `Enter a title of ${MAX_TEXT} characters or fewer`),
	description: optionalText(MAX_LONG_TEXT),
	courseId: z
		.string()
		.trim()
		.optional()
		.transform((v) => (v ? v : undefined))
		.pipe(z.uuid('Choose a course from the list').optional()),
	organisationId: z
		.string({ error: 'Choose the organisation that runs it' })
		.trim()
		.pipe(z.uuid('Choose the organisation that runs it')),
	capacity: z.coerce
		.number({ error: 'Enter the number of places' })
		.int('Enter a whole number of places')
		.min(1, 'Enter at least 1 place')
		.max(1000, 'Enter 1000 places or fewer'),
	bookingOpens: parsedDay,
	bookingCloses: parsedDay,
	cancellationCutoffHours: z.coerce
		.number({ error: 'Enter the hours before the start' })
		.int('Enter a whole number of hours')
		.min(0, 'Enter 0 or more hours')
		.max(24 * 60, 'Enter 1440 hours or fewer'),
	requiresApproval: checkbox,
	asksAccessNeeds: checkbox,
	audiences: many.pipe(z.array(z.enum(audiences, 'Choose an audience from the list'))),
	bookableOrganisationIds: many.pipe(z.array(z.uuid('Choose organisations from the list'))),
	trainerEmails: z
		.string()
		.trim()
		.max(MAX_LONG_TEXT)
		.optional()
		.transform((v) =>
			(v ?? '')
				.split(/[\s,;]+/)
				.map((s) => s.toLowerCase())
				.filter(Boolean)
		)
});

const sessionSchema = z.object({
	date: z.string().trim().optional(),
	start: z.string().trim().optional(),
	end: z.string().trim().optional(),
	venueName: optionalText(MAX_TEXT),
	venueAddress: optionalText(MAX_LONG_TEXT),
	accessNotes: optionalText(MAX_LONG_TEXT),
	joiningUrl: z
		.string()
		.trim()
		.optional()
		.transform((v) => (v ? v : null))
		.pipe(
			z.url({ protocol: /^https?$/, error: 'Enter a joining link starting https://' }).nullable()
		)
});

export interface SessionInput {
	startsAt: Date;
	endsAt: Date;
	venueName: string | null;
	venueAddress: string | null;
	accessNotes: string | null;
	joiningUrl: string | null;
}

/** Reads session1Date, session1Start … from the form; blank sessions are skipped. */
function parseSessions(raw: Record<string, unknown>): SessionInput[] {
	const out: SessionInput[] = [];
	const errors: Record<string, string> = {};
	for (let i = 1; i <= MAX_SESSIONS; i++) {
		const field = (name: string) => raw[`session${i}${name}`];
		const date = parseDateInput(raw, `session${i}Date`, {
			label: `Session ${i}’s date`,
			optional: true
		});
		if (!date.ok) Object.assign(errors, date.errors);
		const parsed = sessionSchema.safeParse({
			date: date.ok ? date.value : undefined,
			start: field('Start'),
			end: field('End'),
			venueName: field('VenueName'),
			venueAddress: field('VenueAddress'),
			accessNotes: field('AccessNotes'),
			joiningUrl: field('JoiningUrl')
		});
		if (!parsed.success) {
			for (const issue of parsed.error.issues) {
				const name = String(issue.path[0] ?? 'Date');
				errors[`session${i}${name[0]!.toUpperCase()}${name.slice(1)}`] ??= issue.message;
			}
			continue;
		}
		const s = parsed.data;
		if (!date.ok) continue;
		if (!s.date && !s.start && !s.end && !s.venueName && !s.joiningUrl) continue;
		const startsAt = s.date && s.start ? ukToUtc(s.date, s.start) : null;
		const endsAt = s.date && s.end ? ukToUtc(s.date, s.end) : null;
		if (!s.date) errors[dateKey(`session${i}Date`)] = `Enter session ${i}’s date`;
		else if (!startsAt)
			errors[`session${i}Start`] = `Enter session ${i}’s start time, for example 09:30`;
		else if (!endsAt) errors[`session${i}End`] = `Enter session ${i}’s end time, for example 16:00`;
		else if (endsAt <= startsAt) errors[`session${i}End`] = `Session ${i} must end after it starts`;
		else if (!s.joiningUrl && !s.venueName)
			errors[`session${i}VenueName`] =
				`Enter session ${i}’s venue, or a joining link for an online session`;
		else
			out.push({
				startsAt,
				endsAt,
				venueName: s.venueName,
				venueAddress: s.venueAddress,
				accessNotes: s.accessNotes,
				joiningUrl: s.joiningUrl
			});
	}
	if (Object.keys(errors).length) throw new ValidationError(errors);
	if (!out.length)
		throw new ValidationError({
			[dateKey('session1Date')]:
				'Enter at least one session: its date, start and end time, and venue or joining link'
		});
	return out.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

/** The event's own columns from a parsed form: the same for creating and for changing it. */
function eventColumns({
	input,
	bookingOpensAt,
	bookingClosesAt
}: Awaited<ReturnType<typeof parseEvent>>) {
	return {
		courseId: input.courseId ?? null,
		title: input.title,
		description: input.description ?? '',
		organisationId: input.organisationId,
		capacity: input.capacity,
		bookableOrganisationIds: input.bookableOrganisationIds,
		audiences: input.audiences,
		bookingOpensAt,
		bookingClosesAt,
		cancellationCutoffHours: input.cancellationCutoffHours,
		requiresApproval: input.requiresApproval,
		asksAccessNeeds: input.asksAccessNeeds
	};
}

async function parseEvent(db: Db, actor: AuthUser, raw: Record<string, unknown>) {
	// Every problem at once: the event's fields and each session's.
	const errors: Record<string, string> = {};
	let input: z.output<typeof eventSchema> | undefined;
	let sessions: SessionInput[] = [];
	try {
		input = parseInputWithDates(eventSchema, raw, EVENT_DATES);
	} catch (e) {
		if (!(e instanceof ValidationError)) throw e;
		Object.assign(errors, e.fieldErrors);
	}
	try {
		sessions = parseSessions(raw);
	} catch (e) {
		if (!(e instanceof ValidationError)) throw e;
		Object.assign(errors, e.fieldErrors);
	}
	if (!input || Object.keys(errors).length) throw new ValidationError(errors);
	if (!canManageOrganisation(actor, input.organisationId))
		throw new ValidationError({ organisationId: 'Choose an organisation you manage' });
	const [org] = await db
		.select({ id: organisations.id })
		.from(organisations)
		.where(eq(organisations.id, input.organisationId));
	if (!org) throw new ValidationError({ organisationId: 'Choose an organisation from the list' });
	if (input.courseId) {
		const [course] = await db
			.select({ id: courses.id })
			.from(courses)
			.where(and(eq(courses.id, input.courseId), eq(courses.active, true)));
		if (!course) throw new ValidationError({ courseId: 'Choose a course from the list' });
	}
	const bookingOpensAt = ukToUtc(input.bookingOpens, '00:00');
	const closesDay = ukToUtc(input.bookingCloses, '00:00');
	if (!bookingOpensAt)
		throw new ValidationError({
			[dateKey('bookingOpens')]: 'The date booking opens must be a real date'
		});
	if (!closesDay)
		throw new ValidationError({
			[dateKey('bookingCloses')]: 'The date booking closes must be a real date'
		});
	// Booking closes at the end of that UK day, or when the first session starts if that is sooner.
	const bookingClosesAt = new Date(
		Math.min(closesDay.getTime() + DAY - 1, sessions[0]!.startsAt.getTime())
	);
	if (bookingClosesAt <= bookingOpensAt)
		throw new ValidationError({
			[dateKey('bookingCloses')]: 'Booking must close after it opens and before the first session'
		});
	let trainerIds: string[] = [];
	if (input.trainerEmails.length) {
		const found = await db
			.select({ id: users.id, email: users.email })
			.from(users)
			.where(and(inArray(users.email, input.trainerEmails), eq(users.status, 'active')));
		const missing = input.trainerEmails.filter((e) => !found.some((f) => f.email === e));
		if (missing.length)
			throw new ValidationError({
				trainerEmails: `No one on the platform has the email ${missing.join(', ')}`
			});
		trainerIds = found.map((f) => f.id);
	}
	return { input, sessions, bookingOpensAt, bookingClosesAt, trainerIds };
}

export async function createEvent(
	db: Db,
	actor: AuthUser,
	raw: Record<string, unknown>,
	now = new Date()
): Promise<string> {
	if (!actor.isAdmin && actor.managedOrganisationIds.length === 0)
		throw new ForbiddenError(
			'Only admins and managers of the organisation that runs an event can create it.'
		);
	const parsed = await parseEvent(db, actor, raw);
	const { input, sessions, trainerIds } = parsed;
	return db.transaction(async (tx) => {
		const [row] = await tx
			.insert(events)
			.values({
				...eventColumns(parsed),
				createdBy: actor.id,
				createdAt: now,
				updatedAt: now
			})
			.returning({ id: events.id });
		const id = row!.id;
		await tx.insert(eventSessions).values(sessions.map((s) => ({ ...s, eventId: id })));
		if (trainerIds.length)
			await tx
				.insert(eventTrainers)
				.values(trainerIds.map((userId) => ({ eventId: id, userId })))
				.onConflictDoNothing();
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'event.created',
				targetType: 'event',
				targetId: id,
				organisationId: input.organisationId,
				details: { title: input.title, sessions: sessions.length }
			},
			now
		);
		return id;
	});
}

/**
 * Edits an event. Sessions are matched by position, so a changed time keeps its calendar UID;
 * people with a place get the updated invitation (SEQUENCE + 1). A larger capacity promotes from
 * the waiting list; a capacity below the places already held is refused.
 */
export async function updateEvent(
	db: Db,
	actor: AuthUser,
	eventId: string,
	raw: Record<string, unknown>,
	now = new Date()
): Promise<void> {
	const existing = await loadEvent(db, eventId);
	if (!canOrganise(actor, existing))
		throw new ForbiddenError(
			'Only admins and managers of the organisation that runs this event can change it.'
		);
	if (existing.cancelledAt)
		throw new ConflictError('This event is cancelled and cannot be changed.');
	const parsed = await parseEvent(db, actor, raw);
	const { input, sessions, trainerIds } = parsed;
	await db.transaction(async (tx) => {
		const event = (await q.lockEvent(tx, eventId))!;
		const held = await q.countHolding(tx, eventId);
		if (input.capacity < held)
			throw new ValidationError({
				capacity: `${held} places are already taken; the capacity cannot be less than that`
			});
		const old = await q.sessionsOf(tx, eventId);
		if (sessions.length < old.length) {
			const marked = await tx.execute(
				sql`select 1 from event_attendance where session_id in ${old.slice(sessions.length).map((s) => s.id)} limit 1`
			);
			if (rowCount(marked) > 0)
				throw new ValidationError({
					[dateKey(`session${sessions.length + 1}Date`)]:
						'A session with attendance marked cannot be removed'
				});
		}
		for (let i = 0; i < sessions.length; i++) {
			if (old[i])
				await tx.update(eventSessions).set(sessions[i]!).where(eq(eventSessions.id, old[i]!.id));
			else await tx.insert(eventSessions).values({ ...sessions[i]!, eventId });
		}
		// Removed sessions: nothing refers to them once unmarked, and a session is not a learning record.
		for (const s of old.slice(sessions.length))
			await tx.delete(eventSessions).where(eq(eventSessions.id, s.id));
		const timesChanged =
			old.length !== sessions.length || old.some((s, i) => !sameSession(s, sessions[i]!));
		const [updated] = await tx
			.update(events)
			.set({
				...eventColumns(parsed),
				sequence: timesChanged || event.title !== input.title ? event.sequence + 1 : event.sequence,
				updatedAt: now
			})
			.where(eq(events.id, eventId))
			.returning();
		await tx.delete(eventTrainers).where(eq(eventTrainers.eventId, eventId));
		if (trainerIds.length)
			await tx
				.insert(eventTrainers)
				.values(trainerIds.map((userId) => ({ eventId, userId })))
				.onConflictDoNothing();
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'event.changed',
				targetType: 'event',
				targetId: eventId,
				organisationId: input.organisationId,
				details: { title: input.title, timesChanged }
			},
			now
		);
		const out: string[] = [];
		const fresh = await q.sessionsOf(tx, eventId);
		if (updated!.sequence !== event.sequence) {
			for (const b of await q.bookingsOf(tx, eventId)) {
				if (b.booking.status === 'booked')
					out.push(await mail.eventChangedEmail(tx, updated!, fresh, b));
			}
		}
		out.push(...(await fillPlaces(tx, updated!, now)));
		return out;
	});
}

function sameSession(a: q.SessionRow, b: SessionInput): boolean {
	return (
		a.startsAt.getTime() === b.startsAt.getTime() &&
		a.endsAt.getTime() === b.endsAt.getTime() &&
		a.venueName === b.venueName &&
		a.venueAddress === b.venueAddress &&
		a.joiningUrl === b.joiningUrl
	);
}

function rowCount(result: unknown): number {
	return Array.isArray(result)
		? result.length
		: ((result as { rows?: unknown[] }).rows?.length ?? 0);
}

/** Cancels the whole event: everyone booked or waiting is told, and calendars remove it. */
export async function cancelEvent(
	db: Db,
	actor: AuthUser,
	eventId: string,
	rawReason: unknown,
	now = new Date()
): Promise<void> {
	const existing = await loadEvent(db, eventId);
	if (!canOrganise(actor, existing))
		throw new ForbiddenError(
			'Only admins and managers of the organisation that runs this event can cancel it.'
		);
	const { reason } = parseInput(z.object({ reason: reasonField }), { reason: rawReason });
	await db.transaction(async (tx) => {
		const event = (await q.lockEvent(tx, eventId))!;
		if (event.cancelledAt) throw new ConflictError('This event is already cancelled.');
		const [updated] = await tx
			.update(events)
			.set({ cancelledAt: now, sequence: event.sequence + 1, updatedAt: now })
			.where(eq(events.id, eventId))
			.returning();
		const sessions = await q.sessionsOf(tx, eventId);
		const out: string[] = [];
		for (const b of await q.bookingsOf(tx, eventId)) {
			if (!q.LIVE.includes(b.booking.status)) continue;
			await tx
				.update(eventBookings)
				.set({ status: 'cancelled', cancelledAt: now, updatedAt: now })
				.where(eq(eventBookings.id, b.booking.id));
			out.push(
				await mail.eventCancelledEmail(
					tx,
					updated!,
					sessions,
					b,
					reason,
					b.booking.status === 'booked'
				)
			);
		}
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'event.cancelled',
				targetType: 'event',
				targetId: eventId,
				organisationId: event.organisationId,
				reason
			},
			now
		);
		return out;
	});
}

// --- Finding and booking --------------------------------------------------------------------

const filterSchema = z.object({
	course: z
		.string()
		.trim()
		.optional()
		.transform((v) => (v ? v : undefined))
		.pipe(z.uuid('Choose a course from the list').optional()),
	// Read by the date-input parser first: YYYY-MM-DD, or undefined when left blank.
	from: z.string().optional(),
	mode: z
		.string()
		.optional()
		.transform((v) => (v ? v : undefined))
		.pipe(z.enum(['online', 'in-person'], 'Choose online or in person').optional())
});

/** The learner's filter of upcoming events, from the address; `from` is a date input. */
export function parseFilter(params: URLSearchParams) {
	const raw: Record<string, string> = {};
	for (const key of ['course', 'mode', 'from', 'from-day', 'from-month', 'from-year'])
		if (params.has(key)) raw[key] = params.get(key)!;
	return parseInputWithDates(filterSchema, raw, {
		from: { label: 'The start date', whenBlank: 'Enter the start date', optional: true }
	});
}

/** Upcoming events this person may book. */
export async function upcomingFor(
	db: Db,
	user: AuthUser,
	filter: z.output<typeof filterSchema>,
	now = new Date()
) {
	const from = filter.from ? (ukToUtc(filter.from, '00:00') ?? undefined) : undefined;
	const rows = await q.upcomingEvents(
		db,
		{ courseId: filter.course, from, mode: filter.mode },
		now,
		null
	);
	const open = rows.filter((r) => mayBook(user, r.event) === null);
	const counts = await q.countStatuses(
		db,
		open.map((r) => r.event.id)
	);
	const mine = new Map(
		(await q.myBookings(db, user.id)).map((b) => [b.event.id, b.booking.status])
	);
	const courseList = await db
		.select({ id: courses.id, title: courses.title })
		.from(courses)
		.where(eq(courses.active, true))
		.orderBy(courses.title);
	return {
		courses: courseList,
		events: open.map((r) => {
			const c = counts.get(r.event.id);
			const held = (c?.booked ?? 0) + (c?.['pending-approval'] ?? 0);
			return {
				...r,
				placesLeft: Math.max(0, r.event.capacity - held),
				waiting: c?.waiting ?? 0,
				myStatus: mine.get(r.event.id) ?? null
			};
		})
	};
}

/** One event as a learner sees it: joining links only once they hold a place. */
export async function eventForLearner(db: Db, user: AuthUser, eventId: string, now = new Date()) {
	const event = await loadEvent(db, eventId);
	const sessions = await q.sessionsOf(db, eventId);
	const booking = await q.liveBookingOf(db, eventId, user.id);
	const held = await q.countHolding(db, eventId);
	const counts = (await q.countStatuses(db, [eventId])).get(eventId);
	const [course] = event.courseId
		? await db
				.select({ title: courses.title, slug: courses.slug })
				.from(courses)
				.where(eq(courses.id, event.courseId))
		: [];
	const [org] = await db
		.select({ name: organisations.name })
		.from(organisations)
		.where(eq(organisations.id, event.organisationId));
	const showLinks = booking?.status === 'booked';
	const closed = bookingState(event, sessions, now);
	return {
		event,
		courseTitle: course?.title ?? null,
		organisationName: org?.name ?? '',
		sessions: sessions.map((s) => ({
			...s,
			joiningUrl: showLinks ? s.joiningUrl : null,
			online: s.joiningUrl !== null
		})),
		booking: booking
			? {
					id: booking.id,
					status: booking.status,
					position: booking.status === 'waiting' ? await q.waitingPosition(db, booking) : null,
					accessNeeds: booking.accessNeeds
				}
			: null,
		placesLeft: Math.max(0, event.capacity - held),
		waiting: counts?.waiting ?? 0,
		bookingState: closed,
		notOpenReason: mayBook(user, event),
		canCancel: booking ? cancellableByLearner(event, sessions, now) : false,
		cancelBy: sessions[0]
			? new Date(sessions[0].startsAt.getTime() - event.cancellationCutoffHours * HOUR)
			: null
	};
}

function bookingState(
	event: q.EventRow,
	sessions: q.SessionRow[],
	now: Date
): 'open' | 'not-yet' | 'closed' | 'cancelled' {
	if (event.cancelledAt) return 'cancelled';
	if (now < event.bookingOpensAt) return 'not-yet';
	if (now > event.bookingClosesAt || !sessions[0] || now >= sessions[0].startsAt) return 'closed';
	return 'open';
}

function cancellableByLearner(event: q.EventRow, sessions: q.SessionRow[], now: Date): boolean {
	const first = sessions[0];
	return (
		Boolean(first) &&
		now.getTime() < first!.startsAt.getTime() - event.cancellationCutoffHours * HOUR
	);
}

/** The calendar file for someone with a place (the same UIDs and SEQUENCE as the emailed invitations). */
export async function calendarForLearner(db: Db, user: AuthUser, eventId: string): Promise<string> {
	const event = await loadEvent(db, eventId);
	const booking = await q.liveBookingOf(db, eventId, user.id);
	if (!booking || booking.status !== 'booked' || event.cancelledAt)
		throw new NotFoundError('You have no place on this event, so there is no calendar entry.');
	return mail.calendarFor(event, await q.sessionsOf(db, eventId), {
		name: user.name,
		email: user.email
	});
}

const bookSchema = z.object({ accessNeeds: optionalText(MAX_LONG_TEXT) });

export interface BookingResult {
	bookingId: string;
	status: BookingStatus;
	position: number | null;
}

/** A learner books a place for themselves. */
export async function bookPlace(
	db: Db,
	actor: AuthUser,
	eventId: string,
	raw: Record<string, unknown>,
	now = new Date()
): Promise<BookingResult> {
	const { accessNeeds } = parseInput(bookSchema, raw);
	return book(
		db,
		actor,
		{
			id: actor.id,
			name: actor.name,
			email: actor.email,
			organisationId: actor.organisationId,
			audience: actor.audience
		},
		eventId,
		accessNeeds,
		now,
		false
	);
}

/** A manager books one of their people; the manager's booking is their approval. */
export async function bookPerson(
	db: Db,
	actor: AuthUser,
	eventId: string,
	rawPersonId: unknown,
	now = new Date()
): Promise<BookingResult> {
	const personId = parseInput(
		z.object({
			personId: z
				.string({ error: 'Choose a person' })
				.trim()
				.pipe(z.uuid('Choose a person from the list'))
		}),
		{ personId: rawPersonId }
	).personId;
	const [person] = await db
		.select()
		.from(users)
		.where(and(eq(users.id, personId), eq(users.status, 'active')));
	if (!person) throw new ValidationError({ personId: 'Choose a person from the list' });
	if (!canManageOrganisation(actor, person.organisationId))
		throw new ForbiddenError('You can only book people in organisations you manage.');
	return book(db, actor, person, eventId, null, now, true);
}

async function book(
	db: Db,
	actor: AuthUser,
	person: { id: string; name: string; email: string; organisationId: string; audience: Audience },
	eventId: string,
	accessNeeds: string | null,
	now: Date,
	approvedByBooker: boolean
): Promise<BookingResult> {
	await loadEvent(db, eventId);
	const { result } = await db.transaction(async (tx) => {
		const event = (await q.lockEvent(tx, eventId))!;
		const sessions = await q.sessionsOf(tx, eventId);
		const state = bookingState(event, sessions, now);
		if (state === 'cancelled') throw new ConflictError('This event has been cancelled.');
		if (state === 'not-yet') throw new ConflictError('Booking for this event has not opened yet.');
		if (state === 'closed') throw new ConflictError('Booking for this event has closed.');
		const notOpen = mayBook(person, event);
		if (notOpen) throw new ConflictError(notOpen);
		if (await q.liveBookingOf(tx, eventId, person.id))
			throw new ConflictError(
				person.id === actor.id
					? 'You are already booked on this event or on its waiting list.'
					: `${person.name} is already booked on this event or on its waiting list.`
			);
		const full = (await q.countHolding(tx, eventId)) >= event.capacity;
		const status: BookingStatus = full
			? 'waiting'
			: event.requiresApproval && !approvedByBooker
				? 'pending-approval'
				: 'booked';
		const [booking] = await tx
			.insert(eventBookings)
			.values({
				eventId,
				userId: person.id,
				status,
				accessNeeds: event.asksAccessNeeds ? accessNeeds : null,
				bookedBy: actor.id,
				...(approvedByBooker && event.requiresApproval && !full
					? { decidedBy: actor.id, decidedAt: now, decisionReason: 'Booked by their manager' }
					: {}),
				createdAt: now,
				updatedAt: now
			})
			.returning();
		const position = status === 'waiting' ? await q.waitingPosition(tx, booking!) : null;
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action:
					status === 'waiting'
						? 'event.waitlisted'
						: status === 'booked'
							? 'event.booked'
							: 'event.approval-requested',
				targetType: 'person',
				targetId: person.id,
				organisationId: person.organisationId,
				details: { eventId, bookingId: booking!.id, title: event.title }
			},
			now
		);
		const ids: string[] = [];
		if (status === 'booked')
			ids.push(await mail.bookingConfirmedEmail(tx, event, sessions, person));
		else if (status === 'waiting')
			ids.push(await mail.waitingListEmail(tx, event, person, position!));
		else ids.push(await mail.approvalRequestedEmail(tx, event, person));
		return { result: { bookingId: booking!.id, status, position }, ids };
	});
	return result;
}

/**
 * Cancels a booking: the learner before the cut-off; their manager or the organisers at any time
 * before the event. A freed place goes to the first person on the waiting list, who is told.
 */
export async function cancelBooking(
	db: Db,
	actor: AuthUser,
	bookingId: string,
	now = new Date()
): Promise<void> {
	const found = z.uuid().safeParse(bookingId).success
		? await q.findBooking(db, bookingId)
		: undefined;
	if (!found) throw new NotFoundError('We could not find that booking.');
	await db.transaction(async (tx) => {
		const event = (await q.lockEvent(tx, found.eventId))!;
		const booking = (await q.findBooking(tx, bookingId))!;
		const [person] = await tx.select().from(users).where(eq(users.id, booking.userId));
		const sessions = await q.sessionsOf(tx, event.id);
		const own = booking.userId === actor.id;
		const organiser =
			canOrganise(actor, event) || canManageOrganisation(actor, person!.organisationId);
		if (!own && !organiser)
			throw new ForbiddenError(
				'You can only cancel your own bookings or those of people you manage.'
			);
		if (!q.LIVE.includes(booking.status))
			throw new ConflictError('This booking is already cancelled.');
		if (sessions[0] && now >= sessions[0].startsAt)
			throw new ConflictError('The event has started; ask the trainer to mark attendance instead.');
		if (
			own &&
			!organiser &&
			booking.status !== 'waiting' &&
			!cancellableByLearner(event, sessions, now)
		)
			throw new ConflictError(
				`Bookings can only be cancelled up to ${event.cancellationCutoffHours} hours before the start. Please contact the organisers.`
			);
		await tx
			.update(eventBookings)
			.set({ status: 'cancelled', cancelledAt: now, updatedAt: now })
			.where(eq(eventBookings.id, bookingId));
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'event.booking-cancelled',
				targetType: 'person',
				targetId: booking.userId,
				organisationId: person!.organisationId,
				details: { eventId: event.id, bookingId, title: event.title, was: booking.status }
			},
			now
		);
		const out = [
			await mail.bookingCancelledEmail(tx, event, sessions, person!, booking.status === 'booked')
		];
		out.push(...(await fillPlaces(tx, event, now)));
		return out;
	});
}

/** With the event locked: gives free places to the waiting list in order, and tells each person. */
async function fillPlaces(tx: Db, event: q.EventRow, now: Date): Promise<string[]> {
	const ids: string[] = [];
	if (event.cancelledAt) return ids;
	const sessions = await q.sessionsOf(tx, event.id);
	if (sessions[0] && now >= sessions[0].startsAt) return ids;
	let free = event.capacity - (await q.countHolding(tx, event.id));
	while (free > 0) {
		const next = await q.firstWaiting(tx, event.id);
		if (!next) break;
		const status: BookingStatus = event.requiresApproval ? 'pending-approval' : 'booked';
		await tx
			.update(eventBookings)
			.set({ status, promotedAt: now, updatedAt: now })
			.where(eq(eventBookings.id, next.id));
		const [person] = await tx.select().from(users).where(eq(users.id, next.userId));
		await recordAudit(
			tx,
			{
				actorId: null,
				action: 'event.promoted',
				targetType: 'person',
				targetId: next.userId,
				organisationId: person!.organisationId,
				details: { eventId: event.id, bookingId: next.id, title: event.title }
			},
			now
		);
		ids.push(
			status === 'booked'
				? await mail.promotedEmail(tx, event, sessions, person!)
				: await mail.approvalRequestedEmail(tx, event, person!)
		);
		free--;
	}
	return ids;
}

// --- Approval -------------------------------------------------------------------------------

const decisionSchema = z.object({
	decision: z.enum(['approve', 'decline'], 'Choose approve or decline'),
	reason: reasonField
});

/** The booker's manager (or an admin) approves or declines, with a reason that is kept. */
export async function decideApproval(
	db: Db,
	actor: AuthUser,
	bookingId: string,
	raw: Record<string, unknown>,
	now = new Date()
): Promise<void> {
	const input = parseInput(decisionSchema, raw);
	const found = z.uuid().safeParse(bookingId).success
		? await q.findBooking(db, bookingId)
		: undefined;
	if (!found) throw new NotFoundError('We could not find that booking.');
	const [person] = await db.select().from(users).where(eq(users.id, found.userId));
	if (!canManageOrganisation(actor, person!.organisationId))
		throw new ForbiddenError('Only the person’s manager can decide on their booking.');
	await db.transaction(async (tx) => {
		const event = (await q.lockEvent(tx, found.eventId))!;
		const booking = (await q.findBooking(tx, bookingId))!;
		if (booking.status !== 'pending-approval')
			throw new ConflictError('This booking is not waiting for approval.');
		const status: BookingStatus = input.decision === 'approve' ? 'booked' : 'declined';
		await tx
			.update(eventBookings)
			.set({
				status,
				decidedBy: actor.id,
				decidedAt: now,
				decisionReason: input.reason,
				updatedAt: now
			})
			.where(eq(eventBookings.id, bookingId));
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: input.decision === 'approve' ? 'event.booking-approved' : 'event.booking-declined',
				targetType: 'person',
				targetId: person!.id,
				organisationId: person!.organisationId,
				reason: input.reason,
				details: { eventId: event.id, bookingId }
			},
			now
		);
		const sessions = await q.sessionsOf(tx, event.id);
		const out: string[] = [];
		if (status === 'booked')
			out.push(await mail.bookingConfirmedEmail(tx, event, sessions, person!));
		else {
			out.push(await mail.approvalDeclinedEmail(tx, event, person!, input.reason));
			out.push(...(await fillPlaces(tx, event, now)));
		}
		return out;
	});
}

// --- Organisers' view -----------------------------------------------------------------------

export async function eventsForManage(db: Db, actor: AuthUser) {
	const rows = await q.eventsForOrganisers(db, manageableOrganisationIds(actor));
	const counts = await q.countStatuses(
		db,
		rows.map((r) => r.event.id)
	);
	return rows.map((r) => ({ ...r, counts: counts.get(r.event.id) ?? null }));
}

/** Attendance and no-shows per organisation across past events: a manager's own organisations, an admin's all. */
export async function attendanceOverview(db: Db, actor: AuthUser, now = new Date()) {
	if (!actor.isAdmin && !actor.managedOrganisationIds.length)
		throw new ForbiddenError('Only managers and admins can see this.');
	return q.attendanceByOrganisation(db, manageableOrganisationIds(actor), now);
}

export async function formOptions(db: Db, actor: AuthUser) {
	const orgs = await db
		.select({ id: organisations.id, name: organisations.name })
		.from(organisations)
		.orderBy(organisations.name);
	const courseList = await db
		.select({ id: courses.id, title: courses.title })
		.from(courses)
		.where(eq(courses.active, true))
		.orderBy(courses.title);
	return {
		organisations: orgs,
		runnable: orgs.filter((o) => canManageOrganisation(actor, o.id)),
		courses: courseList
	};
}

/** Form values for editing an event, in UK time. */
export function eventFormValues(
	event: q.EventRow,
	sessions: q.SessionRow[],
	trainers: { email: string }[]
): Record<string, string | string[]> {
	const values: Record<string, string | string[]> = {
		title: event.title,
		description: event.description,
		courseId: event.courseId ?? '',
		organisationId: event.organisationId,
		capacity: String(event.capacity),
		bookingOpens: utcToUk(event.bookingOpensAt).date,
		bookingCloses: utcToUk(event.bookingClosesAt).date,
		cancellationCutoffHours: String(event.cancellationCutoffHours),
		requiresApproval: event.requiresApproval ? 'on' : '',
		asksAccessNeeds: event.asksAccessNeeds ? 'on' : '',
		audiences: event.audiences,
		bookableOrganisationIds: event.bookableOrganisationIds,
		trainerEmails: trainers.map((t) => t.email).join(', ')
	};
	sessions.forEach((s, i) => {
		const n = i + 1;
		values[`session${n}Date`] = utcToUk(s.startsAt).date;
		values[`session${n}Start`] = utcToUk(s.startsAt).time;
		values[`session${n}End`] = utcToUk(s.endsAt).time;
		values[`session${n}VenueName`] = s.venueName ?? '';
		values[`session${n}VenueAddress`] = s.venueAddress ?? '';
		values[`session${n}AccessNotes`] = s.accessNotes ?? '';
		values[`session${n}JoiningUrl`] = s.joiningUrl ?? '';
	});
	return values;
}

/**
 * An event for organisers and managers: bookings (a manager sees only their own people), the
 * people a manager could book, and attendance and no-shows per organisation.
 */
export async function eventForManage(db: Db, actor: AuthUser, eventId: string) {
	const event = await loadEvent(db, eventId);
	const organiser = canOrganise(actor, event);
	const sessions = await q.sessionsOf(db, eventId);
	const trainers = await q.trainersOf(db, eventId);
	const all = await q.bookingsOf(db, eventId);
	const visible = organiser
		? all
		: all.filter((b) => canManageOrganisation(actor, b.organisationId));
	if (!organiser && !actor.managedOrganisationIds.length)
		throw new ForbiddenError('Only organisers and managers can see this.');
	const marks = await q.attendanceOf(db, eventId);
	const byOrg = new Map<
		string,
		{
			organisationName: string;
			booked: number;
			attended: number;
			partly: number;
			noShow: number;
			unmarked: number;
		}
	>();
	for (const b of visible) {
		if (b.booking.status !== 'booked') continue;
		const row = byOrg.get(b.organisationId) ?? {
			organisationName: b.organisationName,
			booked: 0,
			attended: 0,
			partly: 0,
			noShow: 0,
			unmarked: 0
		};
		row.booked++;
		const mine = marks
			.filter((m) => m.attendance.bookingId === b.booking.id)
			.map((m) => m.attendance.mark);
		if (mine.length < sessions.length) row.unmarked++;
		else if (mine.every((m) => m === 'attended')) row.attended++;
		else if (mine.every((m) => m === 'absent')) row.noShow++;
		else row.partly++;
		byOrg.set(b.organisationId, row);
	}
	const managed = manageableOrganisationIds(actor);
	const people = await db
		.select({ id: users.id, name: users.name, email: users.email })
		.from(users)
		.where(
			and(
				eq(users.status, 'active'),
				managed ? inArray(users.organisationId, managed as string[]) : undefined
			)
		)
		.orderBy(users.name)
		.limit(500);
	const [course] = event.courseId
		? await db.select({ title: courses.title }).from(courses).where(eq(courses.id, event.courseId))
		: [];
	const [org] = await db
		.select({ name: organisations.name })
		.from(organisations)
		.where(eq(organisations.id, event.organisationId));
	return {
		event,
		organiser,
		courseTitle: course?.title ?? null,
		organisationName: org?.name ?? '',
		sessions,
		trainers,
		bookings: visible.map((b) => ({
			...b,
			mayDecide:
				b.booking.status === 'pending-approval' && canManageOrganisation(actor, b.organisationId)
		})),
		attendanceByOrganisation: [...byOrg.values()].sort((a, b) =>
			a.organisationName.localeCompare(b.organisationName)
		),
		people: people.filter(
			(p) => !all.some((b) => b.booking.userId === p.id && q.LIVE.includes(b.booking.status))
		)
	};
}

// --- The register and completion -------------------------------------------------------------

export async function trainerEvents(db: Db, actor: AuthUser) {
	const rows = await q.eventsTrainedBy(db, actor.id);
	return rows.sort(
		(a, b) =>
			(b.firstStartsAt ? new Date(b.firstStartsAt).getTime() : 0) -
			(a.firstStartsAt ? new Date(a.firstStartsAt).getTime() : 0)
	);
}

export async function register(db: Db, actor: AuthUser, eventId: string) {
	const event = await loadEvent(db, eventId);
	await assertRegisterAccess(db, actor, event);
	const sessions = await q.sessionsOf(db, eventId);
	const marks = await q.attendanceOf(db, eventId);
	const people = (await q.bookingsOf(db, eventId)).filter((b) => b.booking.status === 'booked');
	return {
		event,
		sessions,
		people: people.map((p) => ({
			bookingId: p.booking.id,
			name: p.name,
			organisationName: p.organisationName,
			accessNeeds: p.booking.accessNeeds,
			completed: p.booking.completionId !== null,
			marks: Object.fromEntries(
				marks
					.filter((m) => m.attendance.bookingId === p.booking.id)
					.map((m) => [m.attendance.sessionId, m.attendance.mark])
			) as Record<string, AttendanceMark>
		}))
	};
}

/**
 * Saves the register for one session. Fields are `mark-<bookingId>` = attended | partly | absent.
 * Changing a mark already saved is a correction: it needs a reason and is audit-logged. When every
 * session of a course's event is "attended", the course completion is written (source 'event')
 * through the same completion hooks as e-learning; a correction that undoes that voids it.
 */
export async function markAttendance(
	db: Db,
	actor: AuthUser,
	eventId: string,
	sessionId: string,
	raw: Record<string, unknown>,
	now = new Date()
): Promise<{ completed: number; corrected: number }> {
	const event = await loadEvent(db, eventId);
	await assertRegisterAccess(db, actor, event);
	const sessions = await q.sessionsOf(db, eventId);
	const session = sessions.find((s) => s.id === sessionId);
	if (!session) throw new NotFoundError('We could not find that session.');
	if (now < session.startsAt)
		throw new ConflictError('Attendance can be marked once the session has started.');
	const reasonRaw = typeof raw.reason === 'string' ? raw.reason.trim() : '';
	let completed = 0;
	let corrected = 0;
	await db.transaction(async (tx) => {
		await q.lockEvent(tx, eventId);
		const people = (await q.bookingsOf(tx, eventId)).filter((b) => b.booking.status === 'booked');
		const marks = await q.attendanceOf(tx, eventId);
		const errors: Record<string, string> = {};
		const changes: {
			booking: q.BookingRow;
			name: string;
			organisationId: string;
			mark: AttendanceMark;
			was: AttendanceMark | undefined;
		}[] = [];
		for (const p of people) {
			const value = raw[`mark-${p.booking.id}`];
			if (value === undefined || value === '') continue;
			if (typeof value !== 'string' || !(attendanceMarks as readonly string[]).includes(value)) {
				errors[`mark-${p.booking.id}`] =
					`Choose attended, partly attended or did not attend for ${p.name}`;
				continue;
			}
			const was = marks.find(
				(m) => m.attendance.bookingId === p.booking.id && m.attendance.sessionId === sessionId
			)?.attendance.mark;
			if (was !== value)
				changes.push({
					booking: p.booking,
					name: p.name,
					organisationId: p.organisationId,
					mark: value as AttendanceMark,
					was
				});
		}
		if (Object.keys(errors).length) throw new ValidationError(errors);
		const corrections = changes.filter((c) => c.was !== undefined);
		if (corrections.length && reasonRaw.length < 3)
			throw new ValidationError({
				reason: 'Enter a reason for correcting attendance already saved, for the audit log'
			});
		for (const c of changes) {
			await q.upsertMark(tx, c.booking.id, sessionId, c.mark, actor.id, now);
			if (c.was !== undefined) {
				corrected++;
				await recordAudit(
					tx,
					{
						actorId: actor.id,
						action: 'event.attendance-corrected',
						targetType: 'person',
						targetId: c.booking.userId,
						organisationId: c.organisationId,
						reason: reasonRaw,
						details: { eventId, sessionId, bookingId: c.booking.id, from: c.was, to: c.mark }
					},
					now
				);
			}
			if (
				await settleCompletion(
					tx,
					actor,
					event,
					sessions,
					c.booking,
					c.organisationId,
					reasonRaw,
					now
				)
			)
				completed++;
		}
		if (changes.length && !corrections.length)
			await recordAudit(
				tx,
				{
					actorId: actor.id,
					action: 'event.attendance-marked',
					targetType: 'event',
					targetId: eventId,
					organisationId: event.organisationId,
					details: { sessionId, marked: changes.length }
				},
				now
			);
	});
	return { completed, corrected };
}

/** Writes or voids the course completion so it matches the marks; returns true when it wrote one. */
async function settleCompletion(
	tx: Db,
	actor: AuthUser,
	event: q.EventRow,
	sessions: q.SessionRow[],
	booking: q.BookingRow,
	organisationId: string,
	reason: string,
	now: Date
): Promise<boolean> {
	if (!event.courseId) return false;
	const marks = (await q.attendanceOf(tx, event.id)).filter(
		(m) => m.attendance.bookingId === booking.id
	);
	const attendedAll = sessions.every((s) =>
		marks.some((m) => m.attendance.sessionId === s.id && m.attendance.mark === 'attended')
	);
	const [current] = await tx
		.select({ completionId: eventBookings.completionId })
		.from(eventBookings)
		.where(eq(eventBookings.id, booking.id));
	if (attendedAll && !current!.completionId) {
		const [course] = await tx.select().from(courses).where(eq(courses.id, event.courseId));
		const lastEnd = sessions[sessions.length - 1]!.endsAt;
		const [completion] = await tx
			.insert(completions)
			.values({
				userId: booking.userId,
				courseId: course!.id,
				courseVersion: course!.version,
				completedAt: new Date(Math.min(lastEnd.getTime(), now.getTime())),
				source: 'event',
				evidence: `Attended ${event.title}`,
				recordedBy: actor.id,
				createdAt: now
			})
			.returning();
		await tx
			.update(eventBookings)
			.set({ completionId: completion!.id, updatedAt: now })
			.where(eq(eventBookings.id, booking.id));
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'completion.recorded-event',
				targetType: 'person',
				targetId: booking.userId,
				organisationId,
				details: { completionId: completion!.id, eventId: event.id, courseTitle: course!.title }
			},
			now
		);
		await runCompletionHooks(tx, completion!);
		return true;
	}
	if (!attendedAll && current!.completionId) {
		// As tracking's voidCompletion does: the person's stored obligation is refreshed in this transaction.
		await tx
			.update(completions)
			.set({ voidedAt: now, voidedBy: actor.id, voidReason: reason || 'Attendance corrected' })
			.where(eq(completions.id, current!.completionId));
		await tx
			.update(eventBookings)
			.set({ completionId: null, updatedAt: now })
			.where(eq(eventBookings.id, booking.id));
		await refreshObligations(tx, { userId: booking.userId, metByCourseId: event.courseId }, now);
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'completion.corrected',
				targetType: 'person',
				targetId: booking.userId,
				organisationId,
				reason,
				details: { completionId: current!.completionId, source: 'event', eventId: event.id }
			},
			now
		);
	}
	return false;
}

// --- Scheduled work -------------------------------------------------------------------------

/**
 * Runs with the hourly reminders job: a reminder to everyone with a place about two days before
 * the first session (once each, through the reminder log), and the deletion of access needs once
 * the event is over plus the partnership's retention period.
 */
export async function runEventJobs(
	db: Db,
	now = new Date()
): Promise<{ reminders: number; accessNeedsDeleted: number }> {
	const due = await q.bookingsStartingBetween(
		db,
		new Date(now.getTime() + DAY),
		new Date(now.getTime() + 2 * DAY)
	);
	let reminders = 0;
	for (const d of due) {
		const ids = await db.transaction(async (tx) => {
			const claimed = await tx
				.insert(reminderLog)
				.values({
					userId: d.booking.userId,
					courseId: null,
					kind: 'event-reminder',
					periodKey: d.booking.id,
					sentAt: now
				})
				.onConflictDoNothing()
				.returning({ id: reminderLog.id });
			if (!claimed.length) return [];
			return [await mail.reminderEmail(tx, d.event, await q.sessionsOf(tx, d.event.id), d)];
		});
		reminders += ids.length;
	}
	const accessNeedsDeleted = await q.purgeAccessNeeds(db, now);
	if (reminders || accessNeedsDeleted) logger.info('event jobs', { reminders, accessNeedsDeleted });
	return { reminders, accessNeedsDeleted };
}

/** Completions by route (e-learning, SCORM, event, recorded elsewhere), for the partnership dashboard. */
export async function completionsByRoute(db: Db, actor: AuthUser) {
	if (!actor.isAdmin) throw new ForbiddenError('Only partnership admins can see this.');
	const rows = await q.completionsBySource(db);
	const n = (s: string) => rows.find((r) => r.source === s)?.n ?? 0;
	return [
		{ route: 'E-learning', count: n('native') },
		{ route: 'SCORM package', count: n('scorm') },
		{ route: 'Face-to-face or online event', count: n('event') },
		{ route: 'Recorded from elsewhere', count: n('external') }
	];
}
