import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { testDatabase, makePerson, orgId, completeCourse } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { courseProgress, courses, users } from '../../src/lib/server/db/schema.ts';
import {
	assignCourse,
	createRequirement,
	dashboardFilterSchema,
	managerDashboard,
	personLearning,
	recordExternalCompletion,
	retireRequirement,
	voidCompletion,
	withdrawAssignment
} from '../../src/lib/server/tracking/service.ts';
import {
	dashboardFigures,
	peopleStatus,
	refreshObligations
} from '../../src/lib/server/tracking/queries.ts';
import { ForbiddenError, ValidationError } from '../../src/lib/server/errors.ts';

let t: TestDatabase;
let admin: AuthUser;
let policeManager: AuthUser;
let abuseId: string;
let asbId: string;
const T0 = new Date('2026-01-05T09:00:00Z');
const day = 24 * 3600_000;
const at = (days: number) => new Date(T0.getTime() + days * day);
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);

async function joinedAt(person: AuthUser, when: Date) {
	await t.db.update(users).set({ createdAt: when }).where(eq(users.id, person.id));
	await refreshObligations(t.db, { userId: person.id });
}
const complete = (person: AuthUser, courseId: string, when: Date) =>
	completeCourse(t.db, person.id, courseId, when);
async function statusOf(person: AuthUser, now: Date) {
	const { statuses } = await personLearning(t.db, admin, person.id, now);
	return Object.fromEntries(statuses.map((s) => [s.courseTitle, s.status]));
}

beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, courseCatalogue());
	const rows = await t.db.select().from(courses);
	abuseId = rows.find((c) => c.slug === 'signs-of-abuse')!.id;
	asbId = rows.find((c) => c.slug === 'early-asb-intervention')!.id;
	admin = await makePerson(t.db, {
		email: 'admin@track.example',
		isAdmin: true,
		organisationKey: 'kirklees-council'
	});
	policeManager = await makePerson(t.db, {
		email: 'inspector@track.example',
		manages: ['west-yorkshire-police']
	});
	await joinedAt(admin, at(-400));
	await joinedAt(policeManager, at(-400));
	// Every front-line officer of West Yorkshire Police: signs of abuse within 30 days of joining, every 24 months.
	await createRequirement(
		t.db,
		policeManager,
		{
			courseId: abuseId,
			organisationId: await orgId(t.db, 'west-yorkshire-police'),
			audience: 'frontline',
			dueWithinDays: '30',
			renewalMonths: '24'
		},
		at(-400)
	);
});
afterAll(async () => t?.close());

const ABUSE = 'Recognising the signs of abuse and reporting concerns';

describe('status is derived from requirements, assignments and completions, with controlled time', () => {
	it('moves from not started to due soon to overdue for a new joiner; in progress once started', async () => {
		const pc = await makePerson(t.db, { email: 'new.pc@track.example' });
		await joinedAt(pc, T0);
		expect(await statusOf(pc, at(10))).toEqual({ [ABUSE]: 'not-started' });
		expect(await statusOf(pc, at(17))).toEqual({ [ABUSE]: 'due-soon' });
		expect(await statusOf(pc, at(31))).toEqual({ [ABUSE]: 'overdue' });
		await t.db
			.insert(courseProgress)
			.values({ userId: pc.id, courseId: abuseId, startedAt: at(2) });
		await refreshObligations(t.db, { userId: pc.id });
		expect(await statusOf(pc, at(10))).toEqual({ [ABUSE]: 'in-progress' });
	});

	it('is completed until the renewal window, due soon within it, expired after, and completed again on recertification', async () => {
		const pc = await makePerson(t.db, { email: 'veteran@track.example' });
		await joinedAt(pc, at(-100));
		await complete(pc, abuseId, at(-90));
		const expiry = new Date(at(-90));
		expiry.setUTCMonth(expiry.getUTCMonth() + 24);
		const daysToExpiry = (expiry.getTime() - T0.getTime()) / day;
		expect(await statusOf(pc, at(0))).toEqual({ [ABUSE]: 'completed' });
		expect(await statusOf(pc, at(daysToExpiry - 20))).toEqual({ [ABUSE]: 'due-soon' });
		expect(await statusOf(pc, at(daysToExpiry + 1))).toEqual({ [ABUSE]: 'expired' });
		await complete(pc, abuseId, at(daysToExpiry + 5));
		expect(await statusOf(pc, at(daysToExpiry + 6))).toEqual({ [ABUSE]: 'completed' });
		const { history } = await personLearning(t.db, admin, pc.id, at(daysToExpiry + 6));
		expect(history).toHaveLength(2);
	});

	it('leaves out people the requirement does not match, and deactivated people', async () => {
		const volunteer = await makePerson(t.db, {
			email: 'pcso-volunteer@track.example',
			audience: 'community'
		});
		const firefighter = await makePerson(t.db, {
			email: 'ff@track.example',
			organisationKey: 'wyfrs'
		});
		expect(await statusOf(volunteer, at(40))).toEqual({});
		expect(await statusOf(firefighter, at(40))).toEqual({});
		const leaver = await makePerson(t.db, { email: 'gone@track.example' });
		await t.db.update(users).set({ status: 'deactivated' }).where(eq(users.id, leaver.id));
		await refreshObligations(t.db, { userId: leaver.id });
		const list = await peopleStatus(t.db, { organisationIds: null }, at(40), { limit: 1000 });
		expect(list.rows.map((r) => r.email)).not.toContain('gone@track.example');
	});

	it('counts individual assignments until withdrawn, and external completions until corrected', async () => {
		const ff = await makePerson(t.db, {
			email: 'assigned@track.example',
			organisationKey: 'wyfrs'
		});
		await assignCourse(t.db, admin, ff.id, { courseId: asbId, dueAt: '2026-02-01' }, at(0));
		expect(await statusOf(ff, at(30))).toEqual({
			'Early intervention in anti-social behaviour': 'overdue'
		});
		expect(
			(
				(await errorOf(
					recordExternalCompletion(
						t.db,
						admin,
						ff.id,
						{ courseId: asbId, completedAt: '2026-01-20', evidence: '' },
						at(30)
					)
				)) as ValidationError
			).fieldErrors.evidence
		).toMatch(/Describe the evidence/);
		await recordExternalCompletion(
			t.db,
			admin,
			ff.id,
			{
				courseId: asbId,
				completedAt: '2026-01-20',
				evidence: 'Face-to-face session with the ASB team, register signed'
			},
			at(30)
		);
		expect(await statusOf(ff, at(30))).toEqual({
			'Early intervention in anti-social behaviour': 'completed'
		});
		// Today is today at any hour of the UK day (here 00:30 BST on 11 June), and never stored as later than now.
		const justAfterMidnight = new Date('2026-06-10T23:30:00Z');
		const early = await makePerson(t.db, {
			email: 'early@track.example',
			organisationKey: 'wyfrs'
		});
		expect(
			(
				(await errorOf(
					recordExternalCompletion(
						t.db,
						admin,
						early.id,
						{ courseId: asbId, completedAt: '2026-06-12', evidence: 'Session booked for tomorrow' },
						justAfterMidnight
					)
				)) as ValidationError
			).fieldErrors['completedAt-day']
		).toBe('Date completed must be today or in the past');
		await recordExternalCompletion(
			t.db,
			admin,
			early.id,
			{
				courseId: asbId,
				completedAt: '2026-06-11',
				evidence: 'Morning briefing session, register signed'
			},
			justAfterMidnight
		);
		const [recorded] = (await personLearning(t.db, admin, early.id, justAfterMidnight)).history;
		expect(recorded!.completedAt.getTime()).toBeLessThanOrEqual(justAfterMidnight.getTime());
		const { history, assignments } = await personLearning(t.db, admin, ff.id, at(30));
		expect(history[0]).toMatchObject({ source: 'external', recordedByName: admin.name });
		expect(
			(await errorOf(voidCompletion(t.db, admin, ff.id, history[0]!.id, ''))) as ValidationError
		).toBeInstanceOf(ValidationError);
		await voidCompletion(
			t.db,
			admin,
			ff.id,
			history[0]!.id,
			'Recorded against the wrong person',
			at(31)
		);
		expect(await statusOf(ff, at(31))).toEqual({
			'Early intervention in anti-social behaviour': 'overdue'
		});
		expect((await personLearning(t.db, admin, ff.id, at(31))).history[0]!.voidReason).toBe(
			'Recorded against the wrong person'
		);
		await withdrawAssignment(
			t.db,
			admin,
			ff.id,
			assignments[0]!.id,
			'Moved to a back-office role',
			at(32)
		);
		expect(await statusOf(ff, at(32))).toEqual({});
	});
});

describe('guarding learning records', () => {
	it('refuses impossible dates and a manager recording their own training', async () => {
		const ff = await makePerson(t.db, { email: 'dates@track.example', organisationKey: 'wyfrs' });
		const refusals: [Record<string, string>, Record<string, string>][] = [
			[{ dueAt: '0000-01-01' }, { 'dueAt-year': 'Due date must be between 1990 and 2100' }],
			[{ dueAt: '2027-02-31' }, { 'dueAt-day': 'Due date must be a real date' }],
			[{ dueAt: '27-01-01' }, { 'dueAt-year': 'Year must include 4 numbers' }],
			[{ dueAt: 'tomorrow' }, { 'dueAt-day': 'Due date must be a real date' }],
			// As the form sends it: day, month and year typed separately.
			[
				{ 'dueAt-day': '31', 'dueAt-year': '2027' },
				{ 'dueAt-month': 'Due date must include a month' }
			]
		];
		for (const [dates, errors] of refusals)
			expect(
				(
					(await errorOf(
						assignCourse(t.db, admin, ff.id, { courseId: asbId, ...dates })
					)) as ValidationError
				).fieldErrors,
				JSON.stringify(dates)
			).toEqual(errors);
		expect(
			await errorOf(
				recordExternalCompletion(
					t.db,
					policeManager,
					policeManager.id,
					{
						courseId: abuseId,
						completedAt: '2026-01-02',
						evidence: 'I went to a session, honestly'
					},
					at(30)
				)
			)
		).toBeInstanceOf(ForbiddenError);
	});
});

describe('who may set requirements', () => {
	it('lets managers set them only for their own organisations', async () => {
		const council = await orgId(t.db, 'kirklees-council');
		expect(
			await errorOf(
				createRequirement(t.db, policeManager, {
					courseId: asbId,
					organisationId: council,
					dueWithinDays: '30'
				})
			)
		).toBeInstanceOf(ForbiddenError);
		expect(
			(
				(await errorOf(
					createRequirement(t.db, policeManager, { courseId: asbId, dueWithinDays: '30' })
				)) as ValidationError
			).fieldErrors.organisationId
		).toBeTruthy();
		const { id } = await createRequirement(t.db, admin, {
			courseId: asbId,
			organisationId: council,
			dueWithinDays: '60'
		});
		expect(await errorOf(retireRequirement(t.db, policeManager, id, 'Not needed'))).toBeInstanceOf(
			ForbiddenError
		);
		await retireRequirement(t.db, admin, id, 'Replaced by a partnership-wide requirement');
	});
});

describe('dashboards', () => {
	it('agree with the lists they summarise, and a manager sees only their organisation', async () => {
		const now = at(40);
		const figures = await dashboardFigures(t.db, { organisationIds: null }, now);
		const all = await peopleStatus(t.db, { organisationIds: null }, now, { limit: 10_000 });
		expect(figures.totals.required).toBe(all.total);
		expect(figures.totals.overdue).toBe(all.rows.filter((r) => r.status === 'overdue').length);
		expect(figures.byCourse.reduce((n, c) => n + c.required, 0)).toBe(all.total);
		expect(figures.byOrganisation.reduce((n, c) => n + c.overdue, 0)).toBe(figures.totals.overdue);
		for (const status of ['overdue', 'due-soon', 'completed', 'expired'] as const) {
			const listed = await peopleStatus(t.db, { organisationIds: null }, now, {
				status,
				limit: 10_000
			});
			expect(listed.total, status).toBe(all.rows.filter((r) => r.status === status).length);
		}
		// The days-overdue column sorts both ways: most overdue first (the default), or the reverse.
		const key = (r: { effectiveDue: string | null }) =>
			r.effectiveDue ? Date.parse(r.effectiveDue) : Infinity;
		const descending = await peopleStatus(t.db, { organisationIds: null }, now, {
			sort: 'due-desc',
			limit: 10_000
		});
		expect(descending.total).toBe(all.total);
		expect(all.rows.every((r, i) => i === 0 || key(all.rows[i - 1]!) <= key(r))).toBe(true);
		expect(descending.rows.every((r, i) => i === 0 || key(descending.rows[i - 1]!) >= key(r))).toBe(
			true
		);
		const sorted = await managerDashboard(
			t.db,
			policeManager,
			dashboardFilterSchema.parse({ sort: 'due-desc' }),
			now
		);
		expect(
			sorted.people.rows.every((r, i) => i === 0 || key(sorted.people.rows[i - 1]!) >= key(r))
		).toBe(true);
		const managerView = await managerDashboard(
			t.db,
			policeManager,
			dashboardFilterSchema.parse({}),
			now
		);
		const police = await orgId(t.db, 'west-yorkshire-police');
		expect(managerView.figures.byOrganisation.map((o) => o.id)).toEqual([police]);
		expect(
			managerView.people.rows.every((r) => r.organisationName === 'West Yorkshire Police')
		).toBe(true);
	});
});
