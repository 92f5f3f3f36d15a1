import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { testDatabase, makePerson, orgId } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { assignments, auditLog, courses, users } from '../../src/lib/server/db/schema.ts';
import { bulkAssignCourse, personLearning } from '../../src/lib/server/tracking/service.ts';
import { peopleFilterSchema } from '../../src/lib/server/people/service.ts';
import { ForbiddenError, ValidationError } from '../../src/lib/server/errors.ts';

let t: TestDatabase;
let admin: AuthUser;
let policeManager: AuthUser;
let asbId: string;
let resolutionId: string;
const NOW = new Date('2026-04-01T09:00:00Z');
const noFilter = peopleFilterSchema.parse({});
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);
const dueTyped = { 'dueAt-day': '30', 'dueAt-month': '6', 'dueAt-year': '2026' };

beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, courseCatalogue());
	const rows = await t.db.select().from(courses);
	asbId = rows.find((c) => c.slug === 'early-asb-intervention')!.id;
	resolutionId = rows.find((c) => c.slug === 'community-resolution')!.id;
	// Only front-line officers may take community resolution in this test's partnership.
	await t.db
		.update(courses)
		.set({ audiences: ['frontline'] })
		.where(eq(courses.id, resolutionId));
	admin = await makePerson(t.db, {
		email: 'admin@bulk.example',
		isAdmin: true,
		organisationKey: 'kirklees-council'
	});
	policeManager = await makePerson(t.db, {
		email: 'sergeant@bulk.example',
		manages: ['west-yorkshire-police']
	});
});
afterAll(async () => t?.close());

async function openAssignments(courseId: string, userIds: string[]) {
	return t.db
		.select()
		.from(assignments)
		.where(and(eq(assignments.courseId, courseId), inArray(assignments.userId, userIds)));
}

describe('assigning a course to many people at once', () => {
	it('assigns the ticked people, counts those who already had it, and audits each assignment', async () => {
		const [a, b, c] = await Promise.all(
			['pc.a', 'pc.b', 'pc.c'].map((n) => makePerson(t.db, { email: `${n}@bulk.example` }))
		);
		const first = await bulkAssignCourse(
			t.db,
			policeManager,
			{ courseId: asbId, ...dueTyped, who: 'ticked', personId: [a!.id, b!.id] },
			noFilter,
			NOW
		);
		expect(first).toEqual({
			courseTitle: expect.any(String),
			assigned: 2,
			alreadyAssigned: 0,
			notOpen: 0,
			notActive: 0
		});
		const second = await bulkAssignCourse(
			t.db,
			policeManager,
			{ courseId: asbId, ...dueTyped, who: 'ticked', personId: [a!.id, b!.id, c!.id] },
			noFilter,
			NOW
		);
		expect(second).toMatchObject({ assigned: 1, alreadyAssigned: 2 });
		const rows = await openAssignments(asbId, [a!.id, b!.id, c!.id]);
		expect(rows).toHaveLength(3);
		expect(rows.every((r) => r.dueAt.toISOString() === '2026-06-30T12:00:00.000Z')).toBe(true);
		const audits = await t.db
			.select()
			.from(auditLog)
			.where(
				and(
					eq(auditLog.action, 'assignment.created'),
					inArray(auditLog.targetId, [a!.id, b!.id, c!.id])
				)
			);
		expect(audits).toHaveLength(3);
		expect(audits.every((e) => e.actorId === policeManager.id)).toBe(true);
		// The stored obligation is there at once: the assignment shows on the person's page.
		const { statuses } = await personLearning(t.db, policeManager, c!.id, NOW);
		expect(statuses.map((s) => s.courseId)).toContain(asbId);
	});

	it('refuses the whole request when a ticked person is outside the manager’s organisations', async () => {
		const mine = await makePerson(t.db, { email: 'mine@bulk.example' });
		const firefighter = await makePerson(t.db, {
			email: 'ff@bulk.example',
			organisationKey: 'wyfrs'
		});
		expect(
			await errorOf(
				bulkAssignCourse(
					t.db,
					policeManager,
					{ courseId: asbId, ...dueTyped, who: 'ticked', personId: [mine.id, firefighter.id] },
					noFilter,
					NOW
				)
			)
		).toBeInstanceOf(ForbiddenError);
		expect(await openAssignments(asbId, [mine.id, firefighter.id])).toHaveLength(0);
	});

	it('assigns everyone matching the filter, within the manager’s organisations only', async () => {
		const fire = await orgId(t.db, 'wyfrs');
		const police = await orgId(t.db, 'west-yorkshire-police');
		const officer = await makePerson(t.db, { email: 'filtered.officer@bulk.example' });
		const volunteer = await makePerson(t.db, {
			email: 'filtered.volunteer@bulk.example',
			audience: 'community'
		});
		const leaver = await makePerson(t.db, { email: 'filtered.leaver@bulk.example' });
		await t.db.update(users).set({ status: 'deactivated' }).where(eq(users.id, leaver.id));
		const outsider = await makePerson(t.db, {
			email: 'filtered.ff@bulk.example',
			organisationKey: 'wyfrs'
		});
		const result = await bulkAssignCourse(
			t.db,
			policeManager,
			{ courseId: resolutionId, ...dueTyped, who: 'everyone' },
			peopleFilterSchema.parse({ q: 'filtered.', status: 'all' }),
			NOW
		);
		// The volunteer is a community contact: the course is not open to them.
		expect(result).toMatchObject({ assigned: 1, alreadyAssigned: 0, notOpen: 1, notActive: 1 });
		const assigned = await openAssignments(resolutionId, [
			officer.id,
			volunteer.id,
			leaver.id,
			outsider.id
		]);
		expect(assigned.map((r) => r.userId)).toEqual([officer.id]);
		// A manager's filter naming another organisation matches nobody.
		expect(
			await bulkAssignCourse(
				t.db,
				policeManager,
				{ courseId: resolutionId, ...dueTyped, who: 'everyone' },
				peopleFilterSchema.parse({ organisationId: fire }),
				NOW
			)
		).toMatchObject({ assigned: 0, alreadyAssigned: 0 });
		expect(police).not.toBe(fire);
	});

	it('says what is wrong with the form: the date, the course, and nobody chosen', async () => {
		const error = (await errorOf(
			bulkAssignCourse(
				t.db,
				admin,
				{
					courseId: '',
					'dueAt-day': '31',
					'dueAt-month': '2',
					'dueAt-year': '2026',
					who: 'ticked'
				},
				noFilter,
				NOW
			)
		)) as ValidationError;
		expect(error).toBeInstanceOf(ValidationError);
		// Every problem at once, in the order of the form.
		expect(Object.entries(error.fieldErrors)).toEqual([
			['who', 'Tick at least one person, or choose everyone matching the filters'],
			['courseId', 'Choose a course'],
			['dueAt-day', 'Due date must be a real date']
		]);
		const nobody = (await errorOf(
			bulkAssignCourse(t.db, admin, { courseId: asbId, ...dueTyped, who: 'ticked' }, noFilter, NOW)
		)) as ValidationError;
		expect(nobody.fieldErrors).toEqual({
			who: 'Tick at least one person, or choose everyone matching the filters'
		});
	});
});
