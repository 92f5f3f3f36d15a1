import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { testDatabase, makePerson, orgId, completeCourse } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { recordLessonVisit } from '../../src/lib/server/courses/queries.ts';
import { listCatalogue } from '../../src/lib/server/courses/service.ts';
import {
	auditLog,
	completions,
	courses,
	obligations,
	reminderLog,
	users
} from '../../src/lib/server/db/schema.ts';
import { eventSessions } from '../../src/lib/server/db/schema-events.ts';
import {
	addRequirementRoute,
	approveExternalCompletion,
	checkRequirementCoverage,
	createRequirement,
	dashboardFilterSchema,
	listRequirements,
	managerDashboard,
	personLearning,
	recordExternalCompletion,
	removeRequirementRoute,
	voidCompletion
} from '../../src/lib/server/tracking/service.ts';
import { obligationDrift, refreshObligations } from '../../src/lib/server/tracking/queries.ts';
import {
	bookPlace,
	createEvent,
	markAttendance,
	register
} from '../../src/lib/server/events/service.ts';
import { runReminders } from '../../src/lib/server/reminders/service.ts';
import { ConflictError, ForbiddenError, ValidationError } from '../../src/lib/server/errors.ts';

/**
 * More than one route to a requirement: "Prevent awareness every two years by e-learning, webinar
 * or workshop". The requirement's own course is e-learning; a second e-learning course and a
 * session-based course (events, attendance) meet it too, and so does training recorded elsewhere.
 */
let t: TestDatabase;
let admin: AuthUser;
let manager: AuthUser;
let trainer: AuthUser;
let policeId: string;
let ownId: string; // the requirement's own e-learning course
let otherElearningId: string;
let workshopId: string; // session-based: events belong to it
let requirementId: string;
const T0 = new Date('2026-01-05T09:00:00Z');
const day = 86_400_000;
const at = (days: number) => new Date(T0.getTime() + days * day);
const ymd = (d: Date) => d.toISOString().slice(0, 10);
/** Training recorded elsewhere is dated by the day: stored at midday UTC. */
const recordedOn = (d: Date) => new Date(`${ymd(d)}T12:00:00Z`);
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);
let serial = 0;

/** A front-line officer of West Yorkshire Police who joined long before the requirement. */
async function officer(): Promise<AuthUser> {
	const p = await makePerson(t.db, { email: `officer${++serial}@routes.example` });
	await t.db
		.update(users)
		.set({ createdAt: at(-300) })
		.where(eq(users.id, p.id));
	await refreshObligations(t.db, { userId: p.id }, T0);
	return p;
}
const completeOnline = (person: AuthUser, courseId: string, when: Date) =>
	completeCourse(t.db, person.id, courseId, when);
async function obligationOf(person: AuthUser) {
	const [row] = await t.db
		.select()
		.from(obligations)
		.where(and(eq(obligations.userId, person.id), eq(obligations.courseId, ownId)));
	return row!;
}
async function statusOf(person: AuthUser, now: Date) {
	const { statuses } = await personLearning(t.db, admin, person.id, now);
	return statuses.find((s) => s.courseId === ownId)?.status;
}

beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, courseCatalogue());
	const rows = await t.db.select().from(courses);
	ownId = rows.find((c) => c.slug === 'signs-of-abuse')!.id;
	otherElearningId = rows.find((c) => c.slug === 'community-resolution')!.id;
	// A course delivered in sessions only (no lessons here): its events' attendance completes it.
	const [workshop] = await t.db
		.insert(courses)
		.values({
			slug: 'abuse-awareness-workshop',
			kind: 'external',
			title: 'Abuse awareness workshop',
			audiences: ['frontline', 'community'],
			estimatedMinutes: 180,
			passMark: 0,
			validityMonths: 0,
			version: '1.0.0'
		})
		.returning();
	workshopId = workshop!.id;
	policeId = await orgId(t.db, 'west-yorkshire-police');
	admin = await makePerson(t.db, {
		email: 'admin@routes.example',
		isAdmin: true,
		organisationKey: 'kirklees-council'
	});
	manager = await makePerson(t.db, {
		email: 'inspector@routes.example',
		manages: ['west-yorkshire-police']
	});
	trainer = await makePerson(t.db, {
		email: 'trainer@routes.example',
		organisationKey: 'kirklees-council'
	});
	await t.db
		.update(users)
		.set({ createdAt: at(-300) })
		.where(inArray(users.id, [admin.id, manager.id, trainer.id]));
	// Every front-line officer of the police: within 30 days, every 24 months, by any of three routes.
	const created = await createRequirement(
		t.db,
		manager,
		{
			courseId: ownId,
			organisationId: policeId,
			audience: 'frontline',
			dueWithinDays: '30',
			renewalMonths: '24',
			alternativeCourseIds: [otherElearningId, workshopId]
		},
		T0
	);
	requirementId = created.id;
});
afterAll(async () => t?.close());

describe('a requirement met by any of several routes', () => {
	it('lists its routes as "Met by: A, B or C"', async () => {
		const [listed] = (await listRequirements(t.db, manager)).filter((r) => r.id === requirementId);
		expect(listed!.metBy).toBe(
			'Recognising the signs of abuse and reporting concerns, Abuse awareness workshop or Community resolution'
		);
		expect(listed!.canChange).toBe(true);
	});

	it('is met by e-learning on another course, expiring by the requirement’s renewal from that completion', async () => {
		const pc = await officer();
		expect(await statusOf(pc, at(40))).toBe('overdue');
		// My learning says the other courses count too.
		const [own] = (await listCatalogue(t.db, pc, at(1))).filter((c) => c.slug === 'signs-of-abuse');
		expect(own!.alsoMetBy).toEqual(['Abuse awareness workshop', 'Community resolution']);
		const done = await completeOnline(pc, otherElearningId, at(10));
		const row = await obligationOf(pc);
		expect(row.completionId).toBe(done.id);
		expect(row.completedAt).toEqual(at(10));
		const expiry = new Date(at(10));
		expiry.setUTCMonth(expiry.getUTCMonth() + 24);
		expect(row.expiresAt).toEqual(expiry);
		expect(await statusOf(pc, at(40))).toBe('completed');
		expect(await statusOf(pc, new Date(expiry.getTime() + day))).toBe('expired');
		// Still one obligation: the other course is not required of them on its own.
		expect(await t.db.select().from(obligations).where(eq(obligations.userId, pc.id))).toHaveLength(
			1
		);
	});

	it('is met by attending every session of a session-based course', async () => {
		const pc = await officer();
		const NOW = new Date('2026-02-15T10:00:00Z');
		const eventId = await createEvent(
			t.db,
			admin,
			{
				title: 'Abuse awareness: classroom day',
				description: 'A multi-agency classroom day.',
				courseId: workshopId,
				organisationId: await orgId(t.db, 'kirklees-council'),
				capacity: '10',
				bookingOpens: '2026-02-01',
				bookingCloses: '2026-03-09',
				cancellationCutoffHours: '48',
				trainerEmails: trainer.email,
				session1Date: '2026-03-10',
				session1Start: '09:30',
				session1End: '12:30',
				session1VenueName: 'Huddersfield Town Hall',
				session1VenueAddress: 'Ramsden Street, Huddersfield HD1 2TA'
			},
			NOW
		);
		await bookPlace(t.db, pc, eventId, {}, NOW);
		const [session] = await t.db
			.select()
			.from(eventSessions)
			.where(eq(eventSessions.eventId, eventId));
		const bookingId = (await register(t.db, trainer, eventId)).people[0]!.bookingId;
		await markAttendance(
			t.db,
			trainer,
			eventId,
			session!.id,
			{ [`mark-${bookingId}`]: 'attended' },
			new Date('2026-03-10T13:00:00Z')
		);
		const row = await obligationOf(pc);
		expect(row.completedAt).toEqual(new Date('2026-03-10T12:30:00Z'));
		const [completion] = await t.db
			.select()
			.from(completions)
			.where(eq(completions.id, row.completionId!));
		expect(completion).toMatchObject({ source: 'event', courseId: workshopId });
		expect(await statusOf(pc, new Date('2026-03-11T09:00:00Z'))).toBe('completed');
	});

	it('takes the latest valid completion across routes, and falls back when it is corrected', async () => {
		const pc = await officer();
		const older = await completeOnline(pc, ownId, at(5));
		const newer = await completeOnline(pc, otherElearningId, at(20));
		expect((await obligationOf(pc)).completionId).toBe(newer.id);
		await voidCompletion(t.db, admin, pc.id, newer.id, 'Recorded against the wrong person', at(21));
		expect((await obligationOf(pc)).completionId).toBe(older.id);
	});

	it('shows in progress once a person opens another route’s course', async () => {
		const pc = await officer();
		expect(await statusOf(pc, at(1))).toBe('not-started');
		await recordLessonVisit(t.db, pc.id, otherElearningId, 'introduction', at(1));
		expect((await obligationOf(pc)).started).toBe(true);
		expect(await statusOf(pc, at(1))).toBe('in-progress');
	});

	it('counts a course added as a route later, past completions included, and stops when it is taken off', async () => {
		const pc = await officer();
		const early = await completeOnline(pc, await courseId('early-asb-intervention'), at(3));
		expect((await obligationOf(pc)).completionId).toBeNull();
		await addRequirementRoute(
			t.db,
			manager,
			{ requirementId, routeCourseId: early.courseId },
			at(4)
		);
		expect((await obligationOf(pc)).completionId).toBe(early.id);
		// Adding it twice, or the requirement's own course, is a clear refusal.
		expect(
			await errorOf(
				addRequirementRoute(t.db, manager, { requirementId, routeCourseId: early.courseId }, at(4))
			)
		).toBeInstanceOf(ValidationError);
		expect(
			await errorOf(
				addRequirementRoute(t.db, manager, { requirementId, routeCourseId: ownId }, at(4))
			)
		).toBeInstanceOf(ValidationError);
		await removeRequirementRoute(
			t.db,
			manager,
			`${requirementId}:${early.courseId}`,
			'Not the same subject',
			at(5)
		);
		expect((await obligationOf(pc)).completionId).toBeNull();
		const audit = await t.db
			.select({ action: auditLog.action, reason: auditLog.reason })
			.from(auditLog)
			.where(eq(auditLog.targetId, requirementId));
		expect(audit.map((a) => a.action)).toEqual(
			expect.arrayContaining([
				'requirement.created',
				'requirement.route-added',
				'requirement.route-removed'
			])
		);
		// A manager of another organisation cannot change it.
		const fireManager = await makePerson(t.db, {
			email: 'station.manager@routes.example',
			manages: ['wyfrs']
		});
		expect(
			await errorOf(
				addRequirementRoute(
					t.db,
					fireManager,
					{ requirementId, routeCourseId: early.courseId },
					at(6)
				)
			)
		).toBeInstanceOf(ForbiddenError);
	});

	it('stops reminders once met by any route', async () => {
		const met = await officer();
		const notMet = await officer();
		await completeOnline(met, workshopId, at(35));
		await runReminders(t.db, at(40), { origin: 'https://learning.example' });
		const reminded = await t.db
			.select({ userId: reminderLog.userId, kind: reminderLog.kind })
			.from(reminderLog)
			.where(inArray(reminderLog.userId, [met.id, notMet.id]));
		expect(reminded).toEqual([{ userId: notMet.id, kind: 'overdue' }]);
	});

	it('shows on the manager’s dashboard as trained', async () => {
		const filter = dashboardFilterSchema.parse({ courseId: ownId });
		const before = await managerDashboard(t.db, manager, filter, at(40));
		const pc = await officer();
		const after1 = await managerDashboard(t.db, manager, filter, at(40));
		expect(after1.figures.totals.required).toBe(before.figures.totals.required + 1);
		await completeOnline(pc, otherElearningId, at(39));
		const after2 = await managerDashboard(t.db, manager, filter, at(40));
		expect(after2.figures.totals.trained).toBe(before.figures.totals.trained + 1);
		expect(after2.figures.totals.overdue).toBe(after1.figures.totals.overdue - 1);
	});
});

describe('training recorded elsewhere, approved as equivalent', () => {
	let strict: string; // a requirement that asks for approval
	let fireOfficer: AuthUser;

	beforeAll(async () => {
		const created = await createRequirement(
			t.db,
			admin,
			{
				courseId: ownId,
				organisationId: await orgId(t.db, 'wyfrs'),
				dueWithinDays: '30',
				renewalMonths: '24',
				alternativeCourseIds: workshopId,
				externalNeedsApproval: 'yes'
			},
			T0
		);
		strict = created.id;
		fireOfficer = await makePerson(t.db, {
			email: 'firefighter@routes.example',
			organisationKey: 'wyfrs'
		});
		await t.db
			.update(users)
			.set({ createdAt: at(-300) })
			.where(eq(users.id, fireOfficer.id));
		await refreshObligations(t.db, { userId: fireOfficer.id }, T0);
	});

	it('counts a manager’s record at once where the requirement does not ask for approval', async () => {
		const pc = await officer();
		await recordExternalCompletion(
			t.db,
			manager,
			pc.id,
			{
				courseId: workshopId,
				completedAt: ymd(at(12)),
				evidence: 'Certificate from the Home Office course'
			},
			at(13)
		);
		expect((await obligationOf(pc)).completedAt).toEqual(recordedOn(at(12)));
	});

	it('counts only once a partnership admin approves it where the requirement asks, with who and when', async () => {
		const fireManager = await makePerson(t.db, {
			email: 'watch.manager@routes.example',
			manages: ['wyfrs']
		});
		await recordExternalCompletion(
			t.db,
			fireManager,
			fireOfficer.id,
			{ courseId: workshopId, completedAt: ymd(at(12)), evidence: 'Prevent workshop, Leeds' },
			at(13)
		);
		expect((await obligationOf(fireOfficer)).completionId).toBeNull();
		const { history } = await personLearning(t.db, admin, fireOfficer.id, at(13));
		expect(history[0]!.approvedAt).toBeNull();
		// Only a partnership admin approves.
		expect(
			await errorOf(
				approveExternalCompletion(t.db, fireManager, fireOfficer.id, history[0]!.id, at(14))
			)
		).toBeInstanceOf(ForbiddenError);
		await approveExternalCompletion(t.db, admin, fireOfficer.id, history[0]!.id, at(14));
		expect((await obligationOf(fireOfficer)).completedAt).toEqual(recordedOn(at(12)));
		const [approved] = await t.db
			.select()
			.from(completions)
			.where(eq(completions.id, history[0]!.id));
		expect(approved).toMatchObject({ approvedBy: admin.id, approvedAt: at(14) });
		expect(
			await errorOf(approveExternalCompletion(t.db, admin, fireOfficer.id, history[0]!.id, at(15)))
		).toBeInstanceOf(ConflictError);
		const [entry] = await t.db
			.select()
			.from(auditLog)
			.where(eq(auditLog.action, 'completion.approved-external'));
		expect(entry).toMatchObject({ actorId: admin.id, targetId: fireOfficer.id });
	});

	it('counts an admin’s own record at once, as approved by them', async () => {
		const firefighter = await makePerson(t.db, {
			email: 'crew.commander@routes.example',
			organisationKey: 'wyfrs'
		});
		await recordExternalCompletion(
			t.db,
			admin,
			firefighter.id,
			{ courseId: ownId, completedAt: ymd(at(2)), evidence: 'Register of the partnership day' },
			at(3)
		);
		const [row] = await t.db
			.select()
			.from(obligations)
			.where(and(eq(obligations.userId, firefighter.id), eq(obligations.courseId, ownId)));
		expect(row!.completedAt).toEqual(recordedOn(at(2)));
		expect(strict).toBeTruthy();
	});
});

describe('checking who a requirement covers before saving it', () => {
	it('counts the people it would apply to and those already trained by any of its routes', async () => {
		const form = {
			courseId: ownId,
			organisationId: policeId,
			audience: 'frontline',
			dueWithinDays: '30',
			renewalMonths: '24'
		};
		const active = await t.db
			.select({ id: users.id })
			.from(users)
			.where(
				and(
					eq(users.organisationId, policeId),
					eq(users.audience, 'frontline'),
					eq(users.status, 'active')
				)
			);
		const alone = await checkRequirementCoverage(t.db, manager, form, at(40));
		const withRoutes = await checkRequirementCoverage(
			t.db,
			manager,
			{ ...form, alternativeCourseIds: [otherElearningId, workshopId] },
			at(40)
		);
		expect(alone.people).toBe(active.length);
		expect(withRoutes.people).toBe(active.length);
		expect(withRoutes.alreadyMet).toBeGreaterThan(alone.alreadyMet);
		expect(withRoutes.metBy).toContain(' or ');
		// It saves nothing: the manager still sees their one requirement.
		expect((await listRequirements(t.db, manager)).length).toBe(1);
	});

	it('refuses what saving would refuse', async () => {
		const form = { courseId: ownId, dueWithinDays: '30', organisationId: '' };
		expect(await errorOf(checkRequirementCoverage(t.db, manager, form))).toBeInstanceOf(
			ValidationError
		);
		expect(
			await errorOf(
				checkRequirementCoverage(t.db, manager, {
					...form,
					organisationId: policeId,
					alternativeCourseIds: ['not-a-course']
				})
			)
		).toBeInstanceOf(ValidationError);
		expect(
			await errorOf(
				checkRequirementCoverage(t.db, manager, {
					...form,
					organisationId: await orgId(t.db, 'wyfrs')
				})
			)
		).toBeInstanceOf(ForbiddenError);
	});
});

describe('the drift check', () => {
	it('finds the stored obligations equal to first principles after all of the above', async () => {
		const report = await obligationDrift(t.db);
		expect(report.examples).toEqual([]);
		expect(report.drift).toBe(0);
		expect(report.checked).toBeGreaterThan(5);
	});
});

async function courseId(slug: string) {
	const [row] = await t.db.select().from(courses).where(eq(courses.slug, slug));
	return row!.id;
}
