import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { testDatabase, makePerson, orgId } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { assignments, courses, requirements } from '../../src/lib/server/db/schema.ts';
import {
	assignCourse,
	createRequirement,
	retireRequirement,
	withdrawAssignment
} from '../../src/lib/server/tracking/service.ts';
import { auditFilterChoices, listAudit } from '../../src/lib/server/audit/service.ts';

let t: TestDatabase;
let admin: AuthUser;
let learner: AuthUser;
let courseId: string;
const TITLE = 'Recognising the signs of abuse and reporting concerns';

beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, courseCatalogue());
	const [abuse] = await t.db.select().from(courses).where(eq(courses.slug, 'signs-of-abuse'));
	courseId = abuse!.id;
	admin = await makePerson(t.db, {
		email: 'sam.patel@audit.example',
		name: 'Sam Patel',
		isAdmin: true,
		organisationKey: 'kirklees-council'
	});
	learner = await makePerson(t.db, {
		email: 'jo.bloggs@audit.example',
		name: 'Jo Bloggs',
		organisationKey: 'west-yorkshire-police'
	});
});
afterAll(async () => t?.close());

it('entries whose details hold only ids are told with the names those ids have, and filter by organisation', async () => {
	const police = await orgId(t.db, 'west-yorkshire-police');
	const council = await orgId(t.db, 'kirklees-council');
	await createRequirement(t.db, admin, {
		courseId,
		organisationId: police,
		audience: 'frontline',
		dueWithinDays: '30'
	});
	const [requirement] = await t.db.select().from(requirements);
	// A retirement and a withdrawal store only the requirement's or assignment's id.
	await retireRequirement(t.db, admin, requirement!.id, 'Replaced by the new course');
	await assignCourse(t.db, admin, learner.id, { courseId, dueAt: '2027-01-31' });
	const [assignment] = await t.db.select().from(assignments);
	await withdrawAssignment(t.db, admin, learner.id, assignment!.id, 'Assigned by mistake');

	const { rows, total } = await listAudit(t.db, admin, {
		organisationId: police,
		page: 1,
		pageSize: 10
	});
	expect(total).toBe(4);
	expect(rows.map((r) => r.sentence)).toEqual([
		`Sam Patel (admin) withdrew Jo Bloggs’s assignment to “${TITLE}”. Reason: Assigned by mistake.`,
		`Sam Patel (admin) assigned “${TITLE}” to Jo Bloggs, due by 31 January 2027.`,
		`Sam Patel (admin) retired the requirement to complete “${TITLE}” in West Yorkshire Police. Reason: Replaced by the new course.`,
		`Sam Patel (admin) required every front-line officer in West Yorkshire Police to complete “${TITLE}” within 30 days.`
	]);
	expect(
		(await listAudit(t.db, admin, { organisationId: council, page: 1, pageSize: 10 })).total
	).toBe(0);
	const byAction = await listAudit(t.db, admin, {
		action: 'assignment.withdrawn',
		page: 1,
		pageSize: 10
	});
	expect(byAction.rows.map((r) => r.action)).toEqual(['assignment.withdrawn']);

	const choices = await auditFilterChoices(t.db, admin);
	expect(choices.organisations).toContainEqual({ value: police, label: 'West Yorkshire Police' });
	expect(choices.actions).toContainEqual({
		value: 'assignment.withdrawn',
		label: 'Learning: assignment withdrawn'
	});
	await expect(auditFilterChoices(t.db, learner)).rejects.toThrow();
});
