import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, inArray } from 'drizzle-orm';
import ical, { type VEvent } from 'node-ical';
import { testDatabase, makePerson, orgId } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import {
	auditLog,
	certificates,
	completions,
	courses,
	outbox,
	partnership
} from '../../src/lib/server/db/schema.ts';
import {
	eventAttendance,
	eventBookings,
	eventSessions
} from '../../src/lib/server/db/schema-events.ts';
import { startCertificates } from '../../src/lib/server/certificates/service.ts';
import { ConflictError, ForbiddenError, ValidationError } from '../../src/lib/server/errors.ts';
import { mayReach } from '../../src/lib/server/auth/permissions.ts';
import { createSession, validateSessionToken } from '../../src/lib/server/auth/sessions.ts';
import {
	attendanceOverview,
	bookPerson,
	bookPlace,
	cancelBooking,
	cancelEvent,
	completionsByRoute,
	createEvent,
	decideApproval,
	eventForLearner,
	eventForManage,
	markAttendance,
	register,
	runEventJobs,
	updateEvent,
	upcomingFor
} from '../../src/lib/server/events/service.ts';
import { ukToUtc } from '../../src/lib/server/events/uk-time.ts';

let t: TestDatabase;
let admin: AuthUser;
let councilManager: AuthUser;
let policeManager: AuthUser;
let trainer: AuthUser;
let courseId: string;
let councilId: string;
const NOW = new Date('2026-03-02T10:00:00Z');
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);
let n = 0;
const person = (
	org = 'west-yorkshire-police',
	extra: Partial<Parameters<typeof makePerson>[1]> = {}
) =>
	makePerson(t.db, {
		email: `p${++n}@events.example`,
		name: `Person ${n}`,
		organisationKey: org,
		...extra
	});

/** A one-day workshop on 2026-03-10 (GMT) with two sessions, run by the council. */
function workshop(over: Record<string, unknown> = {}) {
	return {
		title: 'Domestic abuse risk assessment and MARAC',
		description: 'A multi-agency classroom day.',
		courseId,
		organisationId: councilId,
		capacity: '10',
		bookingOpens: '2026-02-01',
		bookingCloses: '2026-03-09',
		cancellationCutoffHours: '48',
		trainerEmails: 'trainer@events.example',
		session1Date: '2026-03-10',
		session1Start: '09:30',
		session1End: '12:30',
		session1VenueName: 'Huddersfield Town Hall',
		session1VenueAddress: 'Ramsden Street, Huddersfield HD1 2TA',
		session1AccessNotes: 'Step-free entrance on Corporation Street.',
		session2Date: '2026-03-10',
		session2Start: '13:30',
		session2End: '16:00',
		session2VenueName: 'Huddersfield Town Hall',
		...over
	};
}

async function emailsTo(email: string) {
	return t.db
		.select()
		.from(outbox)
		.where(eq(outbox.toAddress, email))
		.orderBy(desc(outbox.createdAt));
}
function calendarOf(email: { attachments: { contentBase64: string }[] }) {
	const text = Buffer.from(email.attachments[0]!.contentBase64, 'base64').toString('utf8');
	const parsed = ical.sync.parseICS(text);
	const vevents = Object.values(parsed).filter((c): c is VEvent => c?.type === 'VEVENT');
	return { text, method: (parsed.vcalendar as { method?: string } | undefined)?.method, vevents };
}

beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, courseCatalogue());
	await startCertificates(t.db);
	courseId = (await t.db.select().from(courses)).find((c) => c.slug === 'signs-of-abuse')!.id;
	councilId = await orgId(t.db, 'kirklees-council');
	admin = await makePerson(t.db, {
		email: 'admin@events.example',
		isAdmin: true,
		organisationKey: 'kirklees-council'
	});
	councilManager = await makePerson(t.db, {
		email: 'organiser@events.example',
		manages: ['kirklees-council'],
		organisationKey: 'kirklees-council'
	});
	policeManager = await makePerson(t.db, {
		email: 'sergeant@events.example',
		manages: ['west-yorkshire-police']
	});
	trainer = await makePerson(t.db, {
		email: 'trainer@events.example',
		organisationKey: 'kirklees-council'
	});
});
afterAll(async () => t?.close());

describe('creating events', () => {
	it('stores UK times in UTC, across the clock change too', () => {
		expect(ukToUtc('2026-03-10', '09:30')!.toISOString()).toBe('2026-03-10T09:30:00.000Z');
		expect(ukToUtc('2026-06-10', '09:30')!.toISOString()).toBe('2026-06-10T08:30:00.000Z');
		expect(ukToUtc('2026-03-29', '01:30')).toBeNull(); // does not exist in the UK
	});

	it('lets the running organisation’s managers create, and refuses everyone else and bad input clearly', async () => {
		const learner = await person();
		expect(await errorOf(createEvent(t.db, learner, workshop(), NOW))).toBeInstanceOf(
			ForbiddenError
		);
		const wrongOrg = (await errorOf(
			createEvent(t.db, policeManager, workshop(), NOW)
		)) as ValidationError;
		expect(wrongOrg.fieldErrors.organisationId).toMatch(/organisation you manage/);
		const bad = (await errorOf(
			createEvent(
				t.db,
				councilManager,
				workshop({ capacity: '0', session1End: '08:00', session2VenueName: '' }),
				NOW
			)
		)) as ValidationError;
		expect(bad).toBeInstanceOf(ValidationError);
		expect(bad.fieldErrors.capacity).toMatch(/at least 1/);
		expect(bad.fieldErrors.session1End).toMatch(/end after it starts/);
		expect(bad.fieldErrors.session2VenueName).toMatch(/venue, or a joining link/);
		// Dates as the form sends them: day, month and year typed separately, each error on its part.
		const typed = (name: string, day: string, month: string, year: string) => ({
			[name]: undefined,
			[`${name}-day`]: day,
			[`${name}-month`]: month,
			[`${name}-year`]: year
		});
		const dates = (await errorOf(
			createEvent(
				t.db,
				councilManager,
				workshop({
					...typed('bookingOpens', '1', '', '2026'),
					...typed('bookingCloses', '30', '2', '2026'),
					...typed('session2Date', '10', '3', '26')
				}),
				NOW
			)
		)) as ValidationError;
		expect(dates.fieldErrors).toEqual({
			'bookingOpens-month': 'The date booking opens must include a month',
			'bookingCloses-day': 'The date booking closes must be a real date',
			'session2Date-year': 'Year must include 4 numbers'
		});
		const typedId = await createEvent(
			t.db,
			councilManager,
			workshop({
				...typed('bookingOpens', '1', '2', '2026'),
				...typed('bookingCloses', '9', 'March', '2026'),
				...typed('session1Date', '10', '3', '2026'),
				...typed('session2Date', '', '', ''),
				session2Start: '',
				session2End: '',
				session2VenueName: ''
			}),
			NOW
		);
		const typedSessions = await t.db
			.select()
			.from(eventSessions)
			.where(eq(eventSessions.eventId, typedId));
		expect(typedSessions.map((s) => s.startsAt.toISOString())).toEqual([
			'2026-03-10T09:30:00.000Z'
		]);
		const id = await createEvent(t.db, councilManager, workshop(), NOW);
		const sessions = await t.db.select().from(eventSessions).where(eq(eventSessions.eventId, id));
		expect(sessions.map((s) => s.startsAt.toISOString()).sort()).toEqual([
			'2026-03-10T09:30:00.000Z',
			'2026-03-10T13:30:00.000Z'
		]);
	});
});

describe('no overbooking', () => {
	it('gives 50 people booking the last 10 places at once exactly 10 places and 40 waiting-list positions', async () => {
		const eventId = await createEvent(t.db, councilManager, workshop({ capacity: '12' }), NOW);
		for (const early of [await person(), await person()])
			expect((await bookPlace(t.db, early, eventId, {}, NOW)).status).toBe('booked');
		const crowd = await Promise.all(Array.from({ length: 50 }, () => person()));
		const results = await Promise.all(crowd.map((p) => bookPlace(t.db, p, eventId, {}, NOW)));
		expect(results.filter((r) => r.status === 'booked')).toHaveLength(10);
		const waiting = results.filter((r) => r.status === 'waiting');
		expect(waiting).toHaveLength(40);
		expect(waiting.map((r) => r.position).sort((a, b) => a! - b!)).toEqual(
			Array.from({ length: 40 }, (_, i) => i + 1)
		);
		const rows = await t.db.select().from(eventBookings).where(eq(eventBookings.eventId, eventId));
		expect(rows.filter((r) => r.status === 'booked')).toHaveLength(12);
		expect(rows.filter((r) => r.status === 'waiting')).toHaveLength(40);
	}, 60_000);
});

describe('booking, the waiting list and calendar invitations', () => {
	let eventId: string;
	let first: AuthUser;
	let second: AuthUser;
	let waiter: AuthUser;

	it('books with a calendar invitation, and a full event offers the waiting list', async () => {
		eventId = await createEvent(
			t.db,
			councilManager,
			workshop({ capacity: '2', asksAccessNeeds: 'on' }),
			NOW
		);
		[first, second, waiter] = [await person(), await person(), await person()];
		expect(
			(await bookPlace(t.db, first, eventId, { accessNeeds: 'Wheelchair user; vegetarian' }, NOW))
				.status
		).toBe('booked');
		expect((await bookPlace(t.db, second, eventId, {}, NOW)).status).toBe('booked');
		expect(await bookPlace(t.db, waiter, eventId, {}, NOW)).toMatchObject({
			status: 'waiting',
			position: 1
		});
		expect(await errorOf(bookPlace(t.db, waiter, eventId, {}, NOW))).toBeInstanceOf(ConflictError);

		const [confirmation] = await emailsTo(first.email);
		expect(confirmation!.subject).toBe('Place booked: Domestic abuse risk assessment and MARAC');
		expect(confirmation!.body).toContain('Ramsden Street');
		const cal = calendarOf(confirmation!);
		expect(cal.method).toBe('REQUEST');
		expect(cal.vevents).toHaveLength(2);
		expect(cal.vevents.map((v) => new Date(v.start).toISOString()).sort()).toEqual([
			'2026-03-10T09:30:00.000Z',
			'2026-03-10T13:30:00.000Z'
		]);
		expect(cal.text).toMatch(/\r\n/); // RFC 5545 line endings
		const waitMail = (await emailsTo(waiter.email))[0]!;
		expect(waitMail.subject).toMatch(/waiting list/);
		expect(waitMail.attachments).toHaveLength(0);

		const seen = await eventForLearner(t.db, waiter, eventId, NOW);
		expect(seen.booking).toMatchObject({ status: 'waiting', position: 1 });
		expect(seen.placesLeft).toBe(0);
	});

	it('shows an online joining link only to people with a place', async () => {
		const online = await createEvent(
			t.db,
			councilManager,
			workshop({
				session1VenueName: '',
				session1VenueAddress: '',
				session1JoiningUrl: 'https://meet.example.org/prevent',
				session2Date: '',
				session2Start: '',
				session2End: '',
				session2VenueName: '',
				capacity: '1'
			}),
			NOW
		);
		const booked = await person();
		const other = await person();
		await bookPlace(t.db, booked, online, {}, NOW);
		expect((await eventForLearner(t.db, booked, online, NOW)).sessions[0]!.joiningUrl).toBe(
			'https://meet.example.org/prevent'
		);
		expect((await eventForLearner(t.db, other, online, NOW)).sessions[0]!.joiningUrl).toBeNull();
		const list = await upcomingFor(t.db, other, { mode: 'online' }, NOW);
		expect(list.events.map((e) => e.event.id)).toContain(online);
		expect(list.events.map((e) => e.event.id)).not.toContain(eventId);
	});

	it('a change keeps the same UID with a higher SEQUENCE', async () => {
		const before = calendarOf((await emailsTo(first.email))[0]!).vevents;
		await updateEvent(
			t.db,
			councilManager,
			eventId,
			workshop({ capacity: '2', asksAccessNeeds: 'on', session1Start: '10:00' }),
			NOW
		);
		const changed = (await emailsTo(first.email))[0]!;
		expect(changed.subject).toMatch(/^Changed:/);
		const after = calendarOf(changed).vevents;
		expect(after.map((v) => v.uid).sort()).toEqual(before.map((v) => v.uid).sort());
		expect(Number(after[0]!.sequence)).toBe(Number(before[0]!.sequence) + 1);
		expect(after.map((v) => new Date(v.start).toISOString())).toContain('2026-03-10T10:00:00.000Z');
		// people on the waiting list hold no place, so get no calendar update
		expect((await emailsTo(waiter.email))[0]!.subject).toMatch(/waiting list/);
	});

	it('a cancellation sends METHOD:CANCEL for the same UID and promotes the first person waiting, who is told', async () => {
		const uids = calendarOf((await emailsTo(first.email))[0]!)
			.vevents.map((v) => v.uid)
			.sort();
		await cancelBooking(
			t.db,
			first,
			(await eventForLearner(t.db, first, eventId, NOW)).booking!.id,
			NOW
		);
		const cancelled = calendarOf((await emailsTo(first.email))[0]!);
		expect(cancelled.method).toBe('CANCEL');
		expect(cancelled.vevents.map((v) => v.uid).sort()).toEqual(uids);
		expect(cancelled.vevents.every((v) => v.status === 'CANCELLED')).toBe(true);
		const promoted = (await emailsTo(waiter.email))[0]!;
		expect(promoted.subject).toMatch(/A place came free/);
		expect(calendarOf(promoted).method).toBe('REQUEST');
		expect((await eventForLearner(t.db, waiter, eventId, NOW)).booking!.status).toBe('booked');
	});

	it('refuses a learner’s cancellation after the cut-off, but not their manager’s', async () => {
		const late = new Date('2026-03-09T09:00:00Z'); // 24 h before; the cut-off is 48 h
		const bookingId = (await eventForLearner(t.db, second, eventId, late)).booking!.id;
		const refused = await errorOf(cancelBooking(t.db, second, bookingId, late));
		expect(refused).toBeInstanceOf(ConflictError);
		expect((refused as Error).message).toMatch(/48 hours before/);
		await cancelBooking(t.db, policeManager, bookingId, late);
		expect((await eventForLearner(t.db, second, eventId, late)).booking).toBeNull();
	});

	it('deletes access needs once the event is over plus the partnership’s retention period', async () => {
		const [p] = await t.db.select().from(partnership);
		expect(p!.eventAccessNeedsRetentionDays).toBe(14);
		const [kept] = await t.db
			.select()
			.from(eventBookings)
			.where(and(eq(eventBookings.eventId, eventId), eq(eventBookings.userId, first.id)));
		expect(kept!.accessNeeds).toBe('Wheelchair user; vegetarian');
		await runEventJobs(t.db, new Date('2026-03-23T12:00:00Z')); // 13 days after
		expect(
			(await t.db.select().from(eventBookings).where(eq(eventBookings.id, kept!.id)))[0]!
				.accessNeeds
		).not.toBeNull();
		await runEventJobs(t.db, new Date('2026-03-25T12:00:00Z')); // 15 days after
		const [gone] = await t.db.select().from(eventBookings).where(eq(eventBookings.id, kept!.id));
		expect(gone!.accessNeeds).toBeNull();
		expect(gone!.accessNeedsDeletedAt).not.toBeNull();
	});

	it('reminds people with a place two days before, once', async () => {
		const twoDaysBefore = new Date(new Date('2026-03-10T10:00:00Z').getTime() - 2 * DAY + HOUR);
		const sent = await runEventJobs(t.db, twoDaysBefore);
		expect(sent.reminders).toBeGreaterThan(0);
		const reminder = (await emailsTo(waiter.email))[0]!;
		expect(reminder.subject).toMatch(/^Reminder, in two days/);
		expect(reminder.body).toContain('Huddersfield Town Hall');
		// those who cancelled are not reminded
		for (const p of [first, second])
			expect((await emailsTo(p.email))[0]!.subject).not.toMatch(/^Reminder/);
		expect((await runEventJobs(t.db, new Date(twoDaysBefore.getTime() + HOUR))).reminders).toBe(0);
	});

	it('cancelling the event tells everyone and removes it from calendars', async () => {
		await cancelEvent(t.db, councilManager, eventId, 'Trainer unwell', NOW);
		const mail = (await emailsTo(waiter.email))[0]!;
		expect(mail.subject).toMatch(/^Event cancelled/);
		expect(calendarOf(mail).method).toBe('CANCEL');
		expect(await errorOf(bookPlace(t.db, await person(), eventId, {}, NOW))).toBeInstanceOf(
			ConflictError
		);
	});
});

describe('manager approval and managers booking their people', () => {
	it('holds a place until the manager decides, records the decision and reason, and a decline frees the place', async () => {
		const eventId = await createEvent(
			t.db,
			councilManager,
			workshop({ capacity: '1', requiresApproval: 'on' }),
			NOW
		);
		const [asks, next] = [await person(), await person()];
		expect((await bookPlace(t.db, asks, eventId, {}, NOW)).status).toBe('pending-approval');
		expect((await bookPlace(t.db, next, eventId, {}, NOW)).status).toBe('waiting');
		const bookingId = (await eventForLearner(t.db, asks, eventId, NOW)).booking!.id;
		expect(
			await errorOf(
				decideApproval(
					t.db,
					councilManager,
					bookingId,
					{ decision: 'approve', reason: 'Looks fine' },
					NOW
				)
			)
		).toBeInstanceOf(ForbiddenError);
		expect(
			await errorOf(
				decideApproval(t.db, policeManager, bookingId, { decision: 'approve', reason: '' }, NOW)
			)
		).toBeInstanceOf(ValidationError);
		await decideApproval(
			t.db,
			policeManager,
			bookingId,
			{ decision: 'decline', reason: 'Shift cover needed that day' },
			NOW
		);
		const [row] = await t.db.select().from(eventBookings).where(eq(eventBookings.id, bookingId));
		expect(row).toMatchObject({
			status: 'declined',
			decidedBy: policeManager.id,
			decisionReason: 'Shift cover needed that day'
		});
		expect((await eventForLearner(t.db, next, eventId, NOW)).booking!.status).toBe(
			'pending-approval'
		);
		const nextId = (await eventForLearner(t.db, next, eventId, NOW)).booking!.id;
		await decideApproval(
			t.db,
			policeManager,
			nextId,
			{ decision: 'approve', reason: 'Cover arranged' },
			NOW
		);
		expect((await eventForLearner(t.db, next, eventId, NOW)).booking!.status).toBe('booked');
		expect((await emailsTo(next.email))[0]!.subject).toMatch(/^Place booked/);
	});

	it('lets a manager book their own people only', async () => {
		const eventId = await createEvent(
			t.db,
			councilManager,
			workshop({ requiresApproval: 'on' }),
			NOW
		);
		const officer = await person();
		const council = await person('kirklees-council');
		expect((await bookPerson(t.db, policeManager, eventId, officer.id, NOW)).status).toBe('booked');
		expect(await errorOf(bookPerson(t.db, policeManager, eventId, council.id, NOW))).toBeInstanceOf(
			ForbiddenError
		);
		const view = await eventForManage(t.db, policeManager, eventId);
		expect(view.bookings.map((b) => b.name)).toEqual([officer.name]);
	});
});

describe('the register and completion', () => {
	let eventId: string;
	let learner: AuthUser;
	let noShow: AuthUser;
	let s1: string;
	let s2: string;
	const during = new Date('2026-03-10T17:00:00Z');

	beforeAll(async () => {
		eventId = await createEvent(t.db, councilManager, workshop(), NOW);
		learner = await person();
		noShow = await person('kirklees-council');
		await bookPlace(t.db, learner, eventId, {}, NOW);
		await bookPlace(t.db, noShow, eventId, {}, NOW);
		[s1, s2] = (
			await t.db
				.select()
				.from(eventSessions)
				.where(eq(eventSessions.eventId, eventId))
				.orderBy(eventSessions.startsAt)
		).map((s) => s.id) as [string, string];
	});

	it('is the trainer’s role, scoped to the events they run', async () => {
		const [, token] = [null, (await createSession(t.db, trainer.id)).token];
		const session = await validateSessionToken(t.db, token);
		expect(session!.user.isTrainer).toBe(true);
		expect(mayReach(session!.user, '/(trainer)/trainer/events/[id]')).toBe('yes');
		expect(mayReach(learner, '/(trainer)/trainer/events/[id]')).toBe('forbidden');
		expect((await register(t.db, trainer, eventId)).people).toHaveLength(2);
		const otherTrainer = await person('kirklees-council');
		const elsewhere = await createEvent(
			t.db,
			councilManager,
			workshop({ trainerEmails: otherTrainer.email }),
			NOW
		);
		expect(await errorOf(register(t.db, trainer, elsewhere))).toBeInstanceOf(ForbiddenError);
		expect(await errorOf(markAttendance(t.db, learner, eventId, s1, {}, during))).toBeInstanceOf(
			ForbiddenError
		);
	});

	it('writes the course completion, with its certificate, when every session is attended', async () => {
		const ids = (await register(t.db, trainer, eventId)).people;
		const mine = ids.find((p) => p.name === learner.name)!.bookingId;
		const theirs = ids.find((p) => p.name === noShow.name)!.bookingId;
		expect(
			await errorOf(
				markAttendance(
					t.db,
					trainer,
					eventId,
					s1,
					{ [`mark-${mine}`]: 'attended' },
					new Date('2026-03-10T08:00:00Z')
				)
			)
		).toBeInstanceOf(ConflictError);
		expect(
			await errorOf(
				markAttendance(t.db, trainer, eventId, s1, { [`mark-${mine}`]: 'here' }, during)
			)
		).toBeInstanceOf(ValidationError);
		await markAttendance(
			t.db,
			trainer,
			eventId,
			s1,
			{ [`mark-${mine}`]: 'attended', [`mark-${theirs}`]: 'absent' },
			during
		);
		expect(
			await t.db.select().from(completions).where(eq(completions.userId, learner.id))
		).toHaveLength(0);
		const result = await markAttendance(
			t.db,
			trainer,
			eventId,
			s2,
			{ [`mark-${mine}`]: 'attended', [`mark-${theirs}`]: 'absent' },
			during
		);
		expect(result.completed).toBe(1);
		const [completion] = await t.db
			.select()
			.from(completions)
			.where(eq(completions.userId, learner.id));
		expect(completion).toMatchObject({ source: 'event', courseId, recordedBy: trainer.id });
		expect(completion!.completedAt.toISOString()).toBe('2026-03-10T16:00:00.000Z');
		expect(
			await t.db.select().from(certificates).where(eq(certificates.completionId, completion!.id))
		).toHaveLength(1);
		expect(
			await t.db.select().from(completions).where(eq(completions.userId, noShow.id))
		).toHaveLength(0);

		const perOrg = (await eventForManage(t.db, councilManager, eventId)).attendanceByOrganisation;
		expect(perOrg).toEqual([
			{
				organisationName: 'Kirklees Council',
				booked: 1,
				attended: 0,
				partly: 0,
				noShow: 1,
				unmarked: 0
			},
			{
				organisationName: 'West Yorkshire Police',
				booked: 1,
				attended: 1,
				partly: 0,
				noShow: 0,
				unmarked: 0
			}
		]);
		const overview = await attendanceOverview(
			t.db,
			policeManager,
			new Date('2026-03-11T09:00:00Z')
		);
		expect(overview.find((r) => r.organisationName === 'West Yorkshire Police')).toMatchObject({
			attended: 1,
			noShow: 0
		});
		expect(overview.map((r) => r.organisationName)).toEqual(['West Yorkshire Police']); // a manager sees only their own
		const everyone = await attendanceOverview(t.db, admin, new Date('2026-03-11T09:00:00Z'));
		expect(everyone.find((r) => r.organisationName === 'Kirklees Council')).toMatchObject({
			noShow: 1
		});
		const routes = await completionsByRoute(t.db, admin);
		expect(routes.find((r) => r.route.startsWith('Face-to-face'))!.count).toBe(1);
	});

	it('needs a reason to correct a mark, audit-logs it, and voids a completion it undoes', async () => {
		const mine = (await register(t.db, trainer, eventId)).people.find(
			(p) => p.name === learner.name
		)!.bookingId;
		const noReason = (await errorOf(
			markAttendance(t.db, trainer, eventId, s2, { [`mark-${mine}`]: 'partly' }, during)
		)) as ValidationError;
		expect(noReason.fieldErrors.reason).toMatch(/reason/);
		await markAttendance(
			t.db,
			trainer,
			eventId,
			s2,
			{ [`mark-${mine}`]: 'partly', reason: 'Left at 14:30 for a call-out' },
			during
		);
		const [completion] = await t.db
			.select()
			.from(completions)
			.where(eq(completions.userId, learner.id));
		expect(completion!.voidedAt).not.toBeNull();
		expect(completion!.voidReason).toBe('Left at 14:30 for a call-out');
		const audit = await t.db
			.select()
			.from(auditLog)
			.where(
				and(
					eq(auditLog.targetId, learner.id),
					inArray(auditLog.action, ['event.attendance-corrected', 'completion.corrected'])
				)
			);
		expect(audit.map((a) => a.action).sort()).toEqual([
			'completion.corrected',
			'event.attendance-corrected'
		]);
		expect(audit.every((a) => a.reason === 'Left at 14:30 for a call-out')).toBe(true);
	});
});

describe('when booking is open, and who may book', () => {
	it('refuses booking before it opens and after it closes, with a clear message', async () => {
		const eventId = await createEvent(t.db, councilManager, workshop(), NOW);
		// Booking opens at the start of 1 February (UK) and closes at the end of 9 March (UK).
		const early = new Date('2026-01-31T23:30:00Z');
		const lastMinute = new Date('2026-03-09T23:30:00Z');
		const late = new Date('2026-03-10T00:30:00Z');
		const tooEarly = await errorOf(bookPlace(t.db, await person(), eventId, {}, early));
		expect(tooEarly).toBeInstanceOf(ConflictError);
		expect((tooEarly as Error).message).toBe('Booking for this event has not opened yet.');
		const tooLate = await errorOf(bookPlace(t.db, await person(), eventId, {}, late));
		expect(tooLate).toBeInstanceOf(ConflictError);
		expect((tooLate as Error).message).toBe('Booking for this event has closed.');
		// a manager booking one of their people is held to the same window
		const officer = await person();
		expect(
			((await errorOf(bookPerson(t.db, policeManager, eventId, officer.id, late))) as Error).message
		).toBe('Booking for this event has closed.');
		const viewer = await person();
		expect((await eventForLearner(t.db, viewer, eventId, early)).bookingState).toBe('not-yet');
		expect((await eventForLearner(t.db, viewer, eventId, late)).bookingState).toBe('closed');
		// inside the window it books, and nothing was written by the refusals
		expect((await bookPlace(t.db, viewer, eventId, {}, lastMinute)).status).toBe('booked');
		const rows = await t.db.select().from(eventBookings).where(eq(eventBookings.eventId, eventId));
		expect(rows.map((r) => r.userId)).toEqual([viewer.id]);
	});

	it('refuses people outside the organisations and audiences the event is open to', async () => {
		const forCouncil = await createEvent(
			t.db,
			councilManager,
			workshop({ bookableOrganisationIds: [councilId] }),
			NOW
		);
		const officer = await person('west-yorkshire-police');
		const wrongOrg = await errorOf(bookPlace(t.db, officer, forCouncil, {}, NOW));
		expect(wrongOrg).toBeInstanceOf(ConflictError);
		expect((wrongOrg as Error).message).toBe(
			'This event is not open to people in your organisation.'
		);
		expect(
			((await errorOf(bookPerson(t.db, policeManager, forCouncil, officer.id, NOW))) as Error)
				.message
		).toBe('This event is not open to people in your organisation.');
		expect((await eventForLearner(t.db, officer, forCouncil, NOW)).notOpenReason).toMatch(
			/your organisation/
		);
		expect((await upcomingFor(t.db, officer, {}, NOW)).events.map((e) => e.event.id)).not.toContain(
			forCouncil
		);
		expect(
			(await bookPlace(t.db, await person('kirklees-council'), forCouncil, {}, NOW)).status
		).toBe('booked');

		const forCommunity = await createEvent(
			t.db,
			councilManager,
			workshop({ audiences: ['community'] }),
			NOW
		);
		const frontline = await person('kirklees-council', { audience: 'frontline' });
		const wrongAudience = await errorOf(bookPlace(t.db, frontline, forCommunity, {}, NOW));
		expect(wrongAudience).toBeInstanceOf(ConflictError);
		expect((wrongAudience as Error).message).toBe('This event is not open to your audience.');
		expect(
			(
				await bookPlace(
					t.db,
					await person('kirklees-council', { audience: 'community' }),
					forCommunity,
					{},
					NOW
				)
			).status
		).toBe('booked');
		for (const id of [forCouncil, forCommunity]) {
			const rows = await t.db.select().from(eventBookings).where(eq(eventBookings.eventId, id));
			expect(rows.map((r) => r.userId)).not.toContain(officer.id);
			expect(rows.map((r) => r.userId)).not.toContain(frontline.id);
			expect(rows).toHaveLength(1);
		}
	});
});

describe('an event that stands alone, with no course', () => {
	it('is created, booked and its attendance recorded, and attending it writes no course completion', async () => {
		const eventId = await createEvent(
			t.db,
			councilManager,
			workshop({
				title: 'Partnership briefing: county lines',
				courseId: '',
				session2Date: '',
				session2Start: '',
				session2End: '',
				session2VenueName: ''
			}),
			NOW
		);
		const learner = await person();
		const seen = await eventForLearner(t.db, learner, eventId, NOW);
		expect(seen.event.courseId).toBeNull();
		expect(seen.courseTitle).toBeNull();
		expect((await bookPlace(t.db, learner, eventId, {}, NOW)).status).toBe('booked');
		expect((await emailsTo(learner.email))[0]!.subject).toBe(
			'Place booked: Partnership briefing: county lines'
		);
		const { people } = await register(t.db, trainer, eventId);
		expect(people.map((p) => p.name)).toEqual([learner.name]);
		const [session] = await t.db
			.select()
			.from(eventSessions)
			.where(eq(eventSessions.eventId, eventId));
		const result = await markAttendance(
			t.db,
			trainer,
			eventId,
			session!.id,
			{ [`mark-${people[0]!.bookingId}`]: 'attended' },
			new Date('2026-03-10T13:00:00Z')
		);
		expect(result).toEqual({ completed: 0, corrected: 0 });
		const [mark] = await t.db
			.select()
			.from(eventAttendance)
			.where(eq(eventAttendance.bookingId, people[0]!.bookingId));
		expect(mark).toMatchObject({ sessionId: session!.id, mark: 'attended', markedBy: trainer.id });
		expect(
			await t.db.select().from(completions).where(eq(completions.userId, learner.id))
		).toHaveLength(0);
		const [booking] = await t.db
			.select()
			.from(eventBookings)
			.where(eq(eventBookings.id, people[0]!.bookingId));
		expect(booking!.completionId).toBeNull();
		expect((await eventForManage(t.db, councilManager, eventId)).attendanceByOrganisation).toEqual([
			{
				organisationName: 'West Yorkshire Police',
				booked: 1,
				attended: 1,
				partly: 0,
				noShow: 0,
				unmarked: 0
			}
		]);
	});
});

describe('joining instructions in the emails', () => {
	it('gives the venue, its address and access notes for an in-person session, and no joining link', async () => {
		const eventId = await createEvent(t.db, councilManager, workshop(), NOW);
		const booked = await person();
		await bookPlace(t.db, booked, eventId, {}, NOW);
		const body = (await emailsTo(booked.email))[0]!.body;
		expect(body).toContain('Venue: Huddersfield Town Hall, Ramsden Street, Huddersfield HD1 2TA');
		expect(body).toContain('Access: Step-free entrance on Corporation Street.');
		expect(body).not.toMatch(/Join at/);
	});

	it('sends the online link to people with a place only: in the confirmation and the reminder, not the waiting-list email', async () => {
		const link = 'https://meet.example.org/county-lines-briefing';
		// 20 April 2026, in British Summer Time, apart from the other events so reminders do not mix.
		const eventId = await createEvent(
			t.db,
			councilManager,
			workshop({
				capacity: '1',
				bookingCloses: '2026-04-19',
				session1Date: '2026-04-20',
				session1VenueName: '',
				session1VenueAddress: '',
				session1AccessNotes: '',
				session1JoiningUrl: link,
				session2Date: '',
				session2Start: '',
				session2End: '',
				session2VenueName: ''
			}),
			NOW
		);
		const [booked, waiting] = [await person(), await person()];
		await bookPlace(t.db, booked, eventId, {}, NOW);
		expect((await bookPlace(t.db, waiting, eventId, {}, NOW)).status).toBe('waiting');
		const confirmation = (await emailsTo(booked.email))[0]!;
		expect(confirmation.subject).toMatch(/^Place booked/);
		expect(confirmation.body).toContain(`Online. Join at: ${link}`);
		expect(confirmation.body).not.toMatch(/Venue:/);
		const waitMail = (await emailsTo(waiting.email))[0]!;
		expect(waitMail.subject).toMatch(/waiting list/);
		expect(waitMail.body).not.toContain(link);
		expect(waitMail.attachments).toHaveLength(0);

		const sent = await runEventJobs(t.db, new Date('2026-04-18T10:00:00Z'));
		expect(sent.reminders).toBe(1);
		const reminder = (await emailsTo(booked.email))[0]!;
		expect(reminder.subject).toMatch(/^Reminder, in two days/);
		expect(reminder.body).toContain(`Online. Join at: ${link}`);
		expect(reminder.body).toContain('(UK time)');
		expect((await emailsTo(waiting.email))[0]!.subject).toMatch(/waiting list/);
		const everyone = await t.db.select().from(outbox).where(eq(outbox.toAddress, waiting.email));
		expect(everyone.some((m) => m.body.includes(link))).toBe(false);
	});
});
