import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { testDatabase, makePerson } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { lessonsFor } from '../../src/lib/server/courses/content-schema.ts';
import {
	attemptForTaking,
	attemptResult,
	checkKnowledge,
	courseOverview,
	listCatalogue,
	myLearning,
	openLesson,
	startAttempt,
	submitAttempt
} from '../../src/lib/server/courses/service.ts';
import { onCourseCompleted } from '../../src/lib/server/courses/completion.ts';
import { assessmentAttempts, completions, courses } from '../../src/lib/server/db/schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../src/lib/server/errors.ts';

let t: TestDatabase;
const catalogue = courseCatalogue();
const SLUG = 'community-resolution';
const course = catalogue.get(SLUG)!;
const hooked: string[] = [];
onCourseCompleted(async (_tx, completion) => {
	hooked.push(completion.id);
});
const errorOf = async (work: Promise<unknown>) => work.then(() => undefined, (e: unknown) => e);

beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, catalogue);
});
afterAll(async () => t?.close());

async function openAllLessons(learner: AuthUser) {
	for (const lesson of lessonsFor(course, learner.audience)) await openLesson(t.db, learner, SLUG, lesson.slug);
}

/** Form answers for an attempt: right for the first `right` questions, wrong for the rest. */
async function answers(learner: AuthUser, attemptId: string, right: number) {
	const [row] = await t.db.select().from(assessmentAttempts).where(eq(assessmentAttempts.id, attemptId));
	return Object.fromEntries(
		row!.questions.map((d, i) => {
			const answer = course.questions.get(d.questionId)!.answer;
			return [`q-${d.questionId}`, String(d.optionOrder.findIndex((o) => (i < right ? o === answer : o !== answer)))];
		})
	);
}

describe('registering courses', () => {
	it('keeps ids stable across restarts and records the content version', async () => {
		const before = await t.db.select().from(courses);
		await registerCourses(t.db, catalogue);
		const after = await t.db.select().from(courses);
		expect(after.map((c) => [c.slug, c.id]).sort()).toEqual(before.map((c) => [c.slug, c.id]).sort());
		expect(after.find((c) => c.slug === SLUG)?.version).toBe(course.version);
	});
});

describe("a learner's journey", () => {
	it('shows each audience only its own lessons, and keeps the place to resume', async () => {
		const volunteer = await makePerson(t.db, { email: 'vol@journey.example', audience: 'community', organisationKey: 'community-volunteers' });
		const officer = await makePerson(t.db, { email: 'pc@journey.example' });
		const forVolunteer = (await courseOverview(t.db, volunteer, SLUG)).lessons.map((l) => l.slug);
		const forOfficer = (await courseOverview(t.db, officer, SLUG)).lessons.map((l) => l.slug);
		const frontlineOnly = course.lessons.filter((l) => l.audience === 'frontline').map((l) => l.slug);
		const communityOnly = course.lessons.filter((l) => l.audience === 'community').map((l) => l.slug);
		expect(frontlineOnly.length).toBeGreaterThan(0);
		expect(forVolunteer).not.toContain(frontlineOnly[0]);
		expect(forOfficer).toContain(frontlineOnly[0]);
		expect(forOfficer).not.toContain(communityOnly[0]);
		expect(await errorOf(openLesson(t.db, volunteer, SLUG, frontlineOnly[0]!))).toBeInstanceOf(NotFoundError);

		await openLesson(t.db, volunteer, SLUG, forVolunteer[2]!);
		const overview = await courseOverview(t.db, volunteer, SLUG);
		expect(overview.resumeLesson).toBe(forVolunteer[2]);
		expect(overview.visitedCount).toBe(1);
		expect((await myLearning(t.db, volunteer)).inProgress.map((c) => c.slug)).toEqual([SLUG]);
		expect((await listCatalogue(t.db, volunteer)).map((c) => c.slug).sort()).toEqual([...catalogue.keys()].sort());
	});

	it('grades a knowledge check on the server, revealing the answer only then', async () => {
		const learner = await makePerson(t.db, { email: 'kc@journey.example' });
		const lesson = lessonsFor(course, 'frontline').find((l) => l.knowledgeCheckIds.length)!;
		const opened = await openLesson(t.db, learner, SLUG, lesson.slug);
		const qid = lesson.knowledgeCheckIds[0]!;
		expect(JSON.stringify(opened.components)).not.toContain(course.questions.get(qid)!.explanation);
		expect(JSON.stringify(opened.components)).not.toMatch(/"correct"|"answer"/);
		const right = await checkKnowledge(t.db, learner, SLUG, { questionId: qid, option: String(course.questions.get(qid)!.answer) });
		expect(right).toMatchObject({ correct: true, explanation: course.questions.get(qid)!.explanation });
		expect(await errorOf(checkKnowledge(t.db, learner, SLUG, { questionId: qid, option: '9' }))).toBeInstanceOf(ValidationError);
	});

	it('opens the assessment only after every lesson, fails, retries with a new draw, passes and completes once', async () => {
		const learner = await makePerson(t.db, { email: 'assess@journey.example' });
		expect(await errorOf(startAttempt(t.db, learner, SLUG))).toBeInstanceOf(ConflictError);
		await openAllLessons(learner);
		const first = await startAttempt(t.db, learner, SLUG);
		expect((await startAttempt(t.db, learner, SLUG)).attemptId).toBe(first.attemptId);
		const taking = await attemptForTaking(t.db, learner, SLUG, first.attemptId);
		expect(taking.questions).toHaveLength(course.assessmentQuestions);
		expect(JSON.stringify(taking)).not.toMatch(/explanation|"correct"|"answer"/);

		const missing = (await errorOf(submitAttempt(t.db, learner, SLUG, first.attemptId, {}))) as ValidationError;
		expect(Object.keys(missing.fieldErrors)).toHaveLength(course.assessmentQuestions);

		await submitAttempt(t.db, learner, SLUG, first.attemptId, await answers(learner, first.attemptId, 7));
		const failed = await attemptResult(t.db, learner, SLUG, first.attemptId);
		expect(failed).toMatchObject({ scorePercent: 70, passed: false, completedAt: null });
		expect(failed.questions.filter((q) => !q.correct)).toHaveLength(3);
		expect(failed.questions.find((q) => !q.correct)!.explanation.length).toBeGreaterThan(10);
		expect((await courseOverview(t.db, learner, SLUG)).completion).toBeNull();

		const second = await startAttempt(t.db, learner, SLUG);
		expect(second.attemptId).not.toBe(first.attemptId);
		const hooksBefore = hooked.length;
		await submitAttempt(t.db, learner, SLUG, second.attemptId, await answers(learner, second.attemptId, 10));
		const passed = await attemptResult(t.db, learner, SLUG, second.attemptId);
		expect(passed).toMatchObject({ scorePercent: 100, passed: true });
		expect(passed.completedAt).not.toBeNull();
		const rows = await t.db.select().from(completions).where(eq(completions.userId, learner.id));
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ courseVersion: course.version, source: 'native', scorePercent: 100 });
		expect(hooked.length).toBe(hooksBefore + 1);
		expect((await myLearning(t.db, learner)).completed.map((c) => c.slug)).toEqual([SLUG]);
	});

	it('records one completion when the same passing answers are submitted twice at once', async () => {
		const learner = await makePerson(t.db, { email: 'double@journey.example' });
		await openAllLessons(learner);
		const { attemptId } = await startAttempt(t.db, learner, SLUG);
		const form = await answers(learner, attemptId, 10);
		const results = await Promise.all([
			submitAttempt(t.db, learner, SLUG, attemptId, form),
			submitAttempt(t.db, learner, SLUG, attemptId, form),
			submitAttempt(t.db, learner, SLUG, attemptId, form)
		]);
		expect(results.filter((r) => !r.alreadySubmitted)).toHaveLength(1);
		const [row] = await t.db.select().from(courses).where(eq(courses.slug, SLUG));
		expect(await t.db.select().from(completions).where(and(eq(completions.userId, learner.id), eq(completions.courseId, row!.id)))).toHaveLength(1);
	});

	it("never lets a learner read or submit someone else's attempt", async () => {
		const owner = await makePerson(t.db, { email: 'owner@journey.example' });
		const other = await makePerson(t.db, { email: 'other@journey.example' });
		await openAllLessons(owner);
		const { attemptId } = await startAttempt(t.db, owner, SLUG);
		expect(await errorOf(attemptForTaking(t.db, other, SLUG, attemptId))).toBeInstanceOf(NotFoundError);
		expect(await errorOf(submitAttempt(t.db, other, SLUG, attemptId, {}))).toBeInstanceOf(NotFoundError);
		expect(await errorOf(attemptResult(t.db, owner, SLUG, attemptId))).toBeInstanceOf(NotFoundError);
	});
});
