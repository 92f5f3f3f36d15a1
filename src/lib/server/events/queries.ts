import { and, asc, eq, inArray, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { uuidList } from '../db/uuid-list.ts';
import { completionMonthTally, courses, organisations, partnership, users } from '../db/schema.ts';
import {
	eventAttendance,
	eventBookings,
	eventSessions,
	eventTrainers,
	events,
	type AttendanceMark,
	type BookingStatus
} from '../db/schema-events.ts';

/** SQL for events: takes a db or a transaction, makes no permission decisions. */

export type EventRow = typeof events.$inferSelect;
export type SessionRow = typeof eventSessions.$inferSelect;
export type BookingRow = typeof eventBookings.$inferSelect;

/** A timestamp parameter inside raw SQL (postgres.js wants text there). */
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** Statuses that hold one of the event's places. */
export const HOLDING: BookingStatus[] = ['booked', 'pending-approval'];
export const LIVE: BookingStatus[] = ['booked', 'waiting', 'pending-approval'];

export async function findEvent(db: Db, id: string): Promise<EventRow | undefined> {
	const [row] = await db.select().from(events).where(eq(events.id, id));
	return row;
}

/** Takes the event's row lock: bookings, cancellations and promotions for one event go one at a time. */
export async function lockEvent(tx: Db, id: string): Promise<EventRow | undefined> {
	const [row] = await tx.select().from(events).where(eq(events.id, id)).for('update');
	return row;
}

export async function sessionsOf(db: Db, eventId: string): Promise<SessionRow[]> {
	return db
		.select()
		.from(eventSessions)
		.where(eq(eventSessions.eventId, eventId))
		.orderBy(asc(eventSessions.startsAt));
}

export async function trainersOf(db: Db, eventId: string) {
	return db
		.select({ id: users.id, name: users.name, email: users.email })
		.from(eventTrainers)
		.innerJoin(users, eq(users.id, eventTrainers.userId))
		.where(eq(eventTrainers.eventId, eventId))
		.orderBy(asc(users.name));
}

export async function isTrainerOf(db: Db, eventId: string, userId: string): Promise<boolean> {
	const [row] = await db
		.select({ n: sql<number>`1` })
		.from(eventTrainers)
		.where(and(eq(eventTrainers.eventId, eventId), eq(eventTrainers.userId, userId)));
	return Boolean(row);
}

export async function countHolding(tx: Db, eventId: string): Promise<number> {
	const [row] = await tx
		.select({ n: sql<number>`count(*)::int` })
		.from(eventBookings)
		.where(and(eq(eventBookings.eventId, eventId), inArray(eventBookings.status, HOLDING)));
	return row?.n ?? 0;
}

export async function countStatuses(
	db: Db,
	eventIds: string[]
): Promise<Map<string, Record<BookingStatus, number>>> {
	const out = new Map<string, Record<BookingStatus, number>>();
	if (!eventIds.length) return out;
	const rows = await db
		.select({
			eventId: eventBookings.eventId,
			status: eventBookings.status,
			n: sql<number>`count(*)::int`
		})
		.from(eventBookings)
		.where(inArray(eventBookings.eventId, eventIds))
		.groupBy(eventBookings.eventId, eventBookings.status);
	for (const r of rows) {
		const counts = out.get(r.eventId) ?? {
			booked: 0,
			waiting: 0,
			'pending-approval': 0,
			cancelled: 0,
			declined: 0
		};
		counts[r.status] = r.n;
		out.set(r.eventId, counts);
	}
	return out;
}

export async function liveBookingOf(
	db: Db,
	eventId: string,
	userId: string
): Promise<BookingRow | undefined> {
	const [row] = await db
		.select()
		.from(eventBookings)
		.where(
			and(
				eq(eventBookings.eventId, eventId),
				eq(eventBookings.userId, userId),
				inArray(eventBookings.status, LIVE)
			)
		);
	return row;
}

export async function findBooking(db: Db, id: string): Promise<BookingRow | undefined> {
	const [row] = await db.select().from(eventBookings).where(eq(eventBookings.id, id));
	return row;
}

/** The first person on the waiting list, locked. */
export async function firstWaiting(tx: Db, eventId: string): Promise<BookingRow | undefined> {
	const [row] = await tx
		.select()
		.from(eventBookings)
		.where(and(eq(eventBookings.eventId, eventId), eq(eventBookings.status, 'waiting')))
		.orderBy(asc(eventBookings.queueNo))
		.limit(1)
		.for('update');
	return row;
}

/** Position on the waiting list, 1 = next to be offered a place. */
export async function waitingPosition(db: Db, booking: BookingRow): Promise<number> {
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(eventBookings)
		.where(
			and(
				eq(eventBookings.eventId, booking.eventId),
				eq(eventBookings.status, 'waiting'),
				lte(eventBookings.queueNo, booking.queueNo)
			)
		);
	return row?.n ?? 0;
}

export interface UpcomingFilter {
	courseId?: string;
	from?: Date;
	to?: Date;
	mode?: 'online' | 'in-person';
}

/** Events not cancelled whose first session is after `now`, with their first and last session times. */
export async function upcomingEvents(
	db: Db,
	filter: UpcomingFilter,
	now: Date,
	organisationIds: readonly string[] | null
) {
	const first = sql<Date>`min(${eventSessions.startsAt})`;
	const conditions: SQL[] = [isNull(events.cancelledAt)];
	if (filter.courseId) conditions.push(eq(events.courseId, filter.courseId));
	if (organisationIds) conditions.push(inArray(events.organisationId, organisationIds as string[]));
	const having: SQL[] = [sql`min(${eventSessions.startsAt}) > ${ts(now)}`];
	if (filter.from) having.push(sql`min(${eventSessions.startsAt}) >= ${ts(filter.from)}`);
	if (filter.to) having.push(sql`min(${eventSessions.startsAt}) < ${ts(filter.to)}`);
	if (filter.mode === 'online') having.push(sql`bool_and(${eventSessions.joiningUrl} is not null)`);
	if (filter.mode === 'in-person') having.push(sql`bool_or(${eventSessions.joiningUrl} is null)`);
	return db
		.select({
			event: events,
			courseTitle: courses.title,
			organisationName: organisations.name,
			firstStartsAt: first,
			lastEndsAt: sql<Date>`max(${eventSessions.endsAt})`,
			sessionCount: sql<number>`count(${eventSessions.id})::int`,
			online: sql<boolean>`bool_and(${eventSessions.joiningUrl} is not null)`
		})
		.from(events)
		.innerJoin(eventSessions, eq(eventSessions.eventId, events.id))
		.innerJoin(organisations, eq(organisations.id, events.organisationId))
		.leftJoin(courses, eq(courses.id, events.courseId))
		.where(and(...conditions))
		.groupBy(events.id, courses.title, organisations.name)
		.having(and(...having))
		.orderBy(first)
		.limit(200);
}

/** Every event (for organisers), newest first session first. */
export async function eventsForOrganisers(db: Db, organisationIds: readonly string[] | null) {
	const first = sql<Date | null>`min(${eventSessions.startsAt})`;
	return db
		.select({
			event: events,
			organisationName: organisations.name,
			courseTitle: courses.title,
			firstStartsAt: first
		})
		.from(events)
		.innerJoin(organisations, eq(organisations.id, events.organisationId))
		.leftJoin(courses, eq(courses.id, events.courseId))
		.leftJoin(eventSessions, eq(eventSessions.eventId, events.id))
		.where(
			organisationIds ? inArray(events.organisationId, organisationIds as string[]) : undefined
		)
		.groupBy(events.id, organisations.name, courses.title)
		.orderBy(sql`${first} desc nulls last`)
		.limit(500);
}

export async function eventsTrainedBy(db: Db, userId: string) {
	return db
		.select({
			event: events,
			firstStartsAt: sql<Date | null>`(select min(s.starts_at) from ${eventSessions} s where s.event_id = ${events.id})`
		})
		.from(eventTrainers)
		.innerJoin(events, eq(events.id, eventTrainers.eventId))
		.where(eq(eventTrainers.userId, userId));
}

export async function bookingsOf(db: Db, eventId: string) {
	return db
		.select({
			booking: eventBookings,
			name: users.name,
			email: users.email,
			organisationId: users.organisationId,
			organisationName: organisations.name
		})
		.from(eventBookings)
		.innerJoin(users, eq(users.id, eventBookings.userId))
		.innerJoin(organisations, eq(organisations.id, users.organisationId))
		.where(eq(eventBookings.eventId, eventId))
		.orderBy(asc(eventBookings.queueNo));
}

export async function myBookings(db: Db, userId: string) {
	return db
		.select({
			booking: eventBookings,
			event: events,
			firstStartsAt: sql<Date | null>`(select min(s.starts_at) from ${eventSessions} s where s.event_id = ${events.id})`
		})
		.from(eventBookings)
		.innerJoin(events, eq(events.id, eventBookings.eventId))
		.where(and(eq(eventBookings.userId, userId), inArray(eventBookings.status, LIVE)));
}

export async function attendanceOf(db: Db, eventId: string) {
	return db
		.select({ attendance: eventAttendance })
		.from(eventAttendance)
		.innerJoin(eventBookings, eq(eventBookings.id, eventAttendance.bookingId))
		.where(eq(eventBookings.eventId, eventId));
}

export async function upsertMark(
	tx: Db,
	bookingId: string,
	sessionId: string,
	mark: AttendanceMark,
	markedBy: string,
	now: Date
) {
	await tx
		.insert(eventAttendance)
		.values({ bookingId, sessionId, mark, markedBy, markedAt: now })
		.onConflictDoUpdate({
			target: [eventAttendance.bookingId, eventAttendance.sessionId],
			set: { mark, markedBy, markedAt: now }
		});
}

/** People with a place whose event's first session starts within the window, for the reminder. */
export async function bookingsStartingBetween(db: Db, from: Date, to: Date) {
	return db
		.select({ booking: eventBookings, event: events, name: users.name, email: users.email })
		.from(eventBookings)
		.innerJoin(events, eq(events.id, eventBookings.eventId))
		.innerJoin(users, eq(users.id, eventBookings.userId))
		.where(
			and(
				eq(eventBookings.status, 'booked'),
				isNull(events.cancelledAt),
				sql`(select min(s.starts_at) from ${eventSessions} s where s.event_id = ${events.id}) between ${ts(from)} and ${ts(to)}`
			)
		);
}

/** Deletes access needs of bookings whose event ended more than `retentionDays` ago; returns how many. */
export async function purgeAccessNeeds(db: Db, now: Date): Promise<number> {
	const rows = await db.execute(sql`
		update ${eventBookings} b set access_needs = null, access_needs_deleted_at = ${ts(now)}
		where b.access_needs is not null
		and (select max(s.ends_at) from ${eventSessions} s where s.event_id = b.event_id)
			+ make_interval(days => (select ${partnership.eventAccessNeedsRetentionDays} from ${partnership} limit 1)) < ${ts(now)}
		returning b.id`);
	return Array.isArray(rows) ? rows.length : ((rows as { rows?: unknown[] }).rows?.length ?? 0);
}

/**
 * Completions (not voided) by how they were earned: e-learning, SCORM, events, recorded elsewhere.
 * From the monthly tally the completions triggers keep, not a count over every completion.
 */
export async function completionsBySource(db: Db) {
	return db
		.select({
			source: completionMonthTally.source,
			n: sql<number>`sum(${completionMonthTally.n})::int`
		})
		.from(completionMonthTally)
		.groupBy(completionMonthTally.source);
}

/**
 * Across events already over: per organisation of the people booked, how many attended every
 * session, some, none (a no-show), or are not yet marked.
 */
export async function attendanceByOrganisation(
	db: Db,
	organisationIds: readonly string[] | null,
	now: Date
) {
	const scope = organisationIds
		? sql`and u.organisation_id in (${uuidList(organisationIds)})`
		: sql``;
	const result = await db.execute(sql`
		with per_booking as (
			select u.organisation_id,
				(select count(*) from ${eventSessions} s where s.event_id = b.event_id) as sessions,
				count(a.session_id) as marked,
				count(a.session_id) filter (where a.mark = 'attended') as attended,
				count(a.session_id) filter (where a.mark = 'absent') as absent
			from ${eventBookings} b
			join ${users} u on u.id = b.user_id
			join ${events} e on e.id = b.event_id and e.cancelled_at is null
			left join event_attendance a on a.booking_id = b.id
			where b.status = 'booked' ${scope}
			and (select max(s.ends_at) from ${eventSessions} s where s.event_id = b.event_id) < ${ts(now)}
			group by b.id, u.organisation_id
		)
		select o.name as organisation_name, count(*)::int as booked,
			count(*) filter (where marked = sessions and attended = sessions)::int as attended,
			count(*) filter (where marked = sessions and absent = sessions)::int as no_show,
			count(*) filter (where marked = sessions and attended < sessions and absent < sessions)::int as partly,
			count(*) filter (where marked < sessions)::int as unmarked
		from per_booking p join ${organisations} o on o.id = p.organisation_id
		group by o.name order by o.name`);
	const rows = (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as {
		organisation_name: string;
		booked: number;
		attended: number;
		no_show: number;
		partly: number;
		unmarked: number;
	}[];
	return rows.map((r) => ({
		organisationName: r.organisation_name,
		booked: Number(r.booked),
		attended: Number(r.attended),
		partly: Number(r.partly),
		noShow: Number(r.no_show),
		unmarked: Number(r.unmarked)
	}));
}
