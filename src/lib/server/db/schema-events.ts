import { sql } from 'drizzle-orm';
import {
	bigserial,
	boolean,
	index,
	integer,
	pgTable,
	primaryKey,
	text,
	timestamp,
	uniqueIndex,
	uuid
} from 'drizzle-orm/pg-core';
import { completions, courses, organisations, users, type Audience } from './schema.ts';

/**
 * Face-to-face and online events: an event (for a course, or standing alone) has one or more
 * sessions, a capacity shared by all of them, who may book, booking dates and trainers. A booking
 * holds a place, waits on the list, or waits for a manager's approval; attendance is per session.
 */
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const events = pgTable(
	'events',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		/** null: an event standing alone, counting for no course */
		courseId: uuid('course_id').references(() => courses.id),
		title: text('title').notNull(),
		description: text('description').notNull().default(''),
		/** the organisation that runs it; its managers may edit it */
		organisationId: uuid('organisation_id')
			.notNull()
			.references(() => organisations.id),
		capacity: integer('capacity').notNull(),
		/** empty: people of any organisation may book */
		bookableOrganisationIds: uuid('bookable_organisation_ids')
			.array()
			.notNull()
			.default(sql`'{}'::uuid[]`),
		/** empty: any audience */
		audiences: text('audiences')
			.array()
			.$type<Audience[]>()
			.notNull()
			.default(sql`'{}'::text[]`),
		bookingOpensAt: timestamp('booking_opens_at', { withTimezone: true }).notNull(),
		bookingClosesAt: timestamp('booking_closes_at', { withTimezone: true }).notNull(),
		/** a learner may cancel until this many hours before the first session */
		cancellationCutoffHours: integer('cancellation_cutoff_hours').notNull().default(24),
		requiresApproval: boolean('requires_approval').notNull().default(false),
		/** ask bookers about access needs or dietary requirements (kept only for a short time) */
		asksAccessNeeds: boolean('asks_access_needs').notNull().default(false),
		/** the calendar invitation's SEQUENCE: goes up with every change bookers are told about */
		sequence: integer('sequence').notNull().default(0),
		cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: createdAt(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('events_course_idx').on(t.courseId), index('events_org_idx').on(t.organisationId)]
);

export const eventSessions = pgTable(
	'event_sessions',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		eventId: uuid('event_id')
			.notNull()
			.references(() => events.id),
		startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
		endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
		venueName: text('venue_name'),
		venueAddress: text('venue_address'),
		accessNotes: text('access_notes'),
		/** online sessions: shown only to people with a place */
		joiningUrl: text('joining_url'),
		createdAt: createdAt()
	},
	(t) => [
		index('event_sessions_event_idx').on(t.eventId, t.startsAt),
		index('event_sessions_starts_idx').on(t.startsAt)
	]
);

export const eventTrainers = pgTable(
	'event_trainers',
	{
		eventId: uuid('event_id')
			.notNull()
			.references(() => events.id),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id)
	},
	(t) => [
		primaryKey({ columns: [t.eventId, t.userId] }),
		index('event_trainers_user_idx').on(t.userId)
	]
);

export const bookingStatuses = [
	'booked',
	'waiting',
	'pending-approval',
	'cancelled',
	'declined'
] as const;
export type BookingStatus = (typeof bookingStatuses)[number];

export const eventBookings = pgTable(
	'event_bookings',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		eventId: uuid('event_id')
			.notNull()
			.references(() => events.id),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		status: text('status').$type<BookingStatus>().notNull(),
		/** order on the waiting list: lower goes first */
		queueNo: bigserial('queue_no', { mode: 'number' }).notNull(),
		accessNeeds: text('access_needs'),
		accessNeedsDeletedAt: timestamp('access_needs_deleted_at', { withTimezone: true }),
		bookedBy: uuid('booked_by').references(() => users.id),
		decidedBy: uuid('decided_by').references(() => users.id),
		decidedAt: timestamp('decided_at', { withTimezone: true }),
		decisionReason: text('decision_reason'),
		promotedAt: timestamp('promoted_at', { withTimezone: true }),
		cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
		completionId: uuid('completion_id').references(() => completions.id),
		createdAt: createdAt(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('event_bookings_live_uq')
			.on(t.eventId, t.userId)
			.where(sql`status in ('booked', 'waiting', 'pending-approval')`),
		index('event_bookings_event_idx').on(t.eventId, t.status, t.queueNo),
		index('event_bookings_user_idx').on(t.userId)
	]
);

export const attendanceMarks = ['attended', 'partly', 'absent'] as const;
export type AttendanceMark = (typeof attendanceMarks)[number];

export const eventAttendance = pgTable(
	'event_attendance',
	{
		bookingId: uuid('booking_id')
			.notNull()
			.references(() => eventBookings.id),
		sessionId: uuid('session_id')
			.notNull()
			.references(() => eventSessions.id),
		mark: text('mark').$type<AttendanceMark>().notNull(),
		markedBy: uuid('marked_by').references(() => users.id),
		markedAt: timestamp('marked_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.bookingId, t.sessionId] })]
);
