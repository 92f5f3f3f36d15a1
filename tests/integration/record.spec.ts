import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { PDFDocument } from 'pdf-lib';
import { testDatabase, makePerson } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { auditLog, completions, courses, users } from '../../src/lib/server/db/schema.ts';
import {
	changeMyName,
	myProfile,
	recordCsvRow,
	recordOfLearning
} from '../../src/lib/server/learners/record.ts';
import { recordPdf } from '../../src/lib/server/learners/record-pdf.ts';
import { ValidationError } from '../../src/lib/server/errors.ts';

let t: TestDatabase;
beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, courseCatalogue());
});
afterAll(async () => t?.close());

describe("a learner's profile and record of learning", () => {
	it('shows their organisation, team and managers; they can change the name they are shown by', async () => {
		const learner = await makePerson(t.db, {
			email: 'me@record.example',
			team: 'Safeguarding unit',
			name: 'Robin Hood'
		});
		await makePerson(t.db, {
			email: 'boss@record.example',
			name: 'Bea Boss',
			manages: ['west-yorkshire-police']
		});
		await makePerson(t.db, {
			email: 'other@record.example',
			name: 'Oli Other',
			organisationKey: 'kirklees-council',
			manages: ['kirklees-council']
		});
		const profile = await myProfile(t.db, learner);
		expect(profile).toEqual({
			organisationName: 'West Yorkshire Police',
			teamName: 'Safeguarding unit',
			managers: [{ name: 'Bea Boss', email: 'boss@record.example' }]
		});

		expect(
			await changeMyName(t.db, learner, { name: '  ' }).catch((e: unknown) => e)
		).toBeInstanceOf(ValidationError);
		expect(
			await changeMyName(t.db, learner, { name: 'x'.repeat(101) }).catch((e: unknown) => e)
		).toBeInstanceOf(ValidationError);
		expect(await changeMyName(t.db, learner, { name: ' Robin Locksley ' })).toEqual({
			changed: true
		});
		expect((await t.db.select().from(users).where(eq(users.id, learner.id)))[0]!.name).toBe(
			'Robin Locksley'
		);
		const [audit] = await t.db
			.select()
			.from(auditLog)
			.where(eq(auditLog.action, 'person.name-changed'));
		expect(audit).toMatchObject({
			actorId: learner.id,
			targetId: learner.id,
			details: { from: 'Robin Hood', to: 'Robin Locksley' }
		});
	});

	it('lists every completion, withdrawn ones marked, as CSV rows and a PDF', async () => {
		const learner = await makePerson(t.db, { email: 'rec@record.example', name: 'Rae Record' });
		const [course] = await t.db.select().from(courses).where(eq(courses.slug, 'signs-of-abuse'));
		await t.db.insert(completions).values({
			userId: learner.id,
			courseId: course!.id,
			courseVersion: '1.0.0',
			completedAt: new Date('2026-01-05T10:00:00Z'),
			source: 'native',
			scorePercent: 90
		});
		await t.db.insert(completions).values({
			userId: learner.id,
			courseId: course!.id,
			courseVersion: '1.0.0',
			completedAt: new Date('2025-01-05T10:00:00Z'),
			source: 'external',
			evidence: 'Classroom session',
			voidedAt: new Date('2025-02-01T10:00:00Z'),
			voidReason: 'Wrong person'
		});
		const rows = await recordOfLearning(t.db, learner);
		expect(rows.map(recordCsvRow)).toEqual([
			[course!.title, '2026-01-05', 'Online course and assessment', 90, '', '', ''],
			[course!.title, '2025-01-05', 'Recorded by a manager: Classroom session', '', '', '', 'yes']
		]);
		const pdf = await PDFDocument.load(
			await recordPdf(learner, await myProfile(t.db, learner), rows, 'Safer Kirklees')
		);
		expect(pdf.getTitle()).toBe('Record of learning: Rae Record');
		expect(pdf.getPageCount()).toBe(1);
	});
});
