import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { testDatabase, makePerson } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { lessonsFor } from '../../src/lib/server/courses/content-schema.ts';
import {
	checkKnowledge,
	completeLesson,
	courseOverview,
	lessonPage,
	listCatalogue,
	myLearning
} from '../../src/lib/server/courses/service.ts';
import {
	attemptForTaking,
	attemptResult,
	saveAnswers,
	startAttempt,
	submitAttempt
} from '../../src/lib/server/assessment/service.ts';
import { learnerOrder } from '../../src/lib/server/assessment/order.ts';
import { onCourseCompleted } from '../../src/lib/server/courses/completion.ts';
import {
	assessmentAttempts,
	completions,
	courses,
	localContacts
} from '../../src/lib/server/db/schema.ts';
import { activeCourseWithVisits } from '../../src/lib/server/courses/queries.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../src/lib/server/errors.ts';

let t: TestDatabase;
const catalogue = courseCatalogue();
const SLUG = 'community-resolution';
const course = catalogue.get(SLUG)!;
const hooked: string[] = [];
onCourseCompleted(async (_tx, completion) => {
	hooked.push(completion.id);
});
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);

beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, catalogue);
});
afterAll(async () => t?.close());

async function openAllLessons(learner: AuthUser) {
	for (const lesson of lessonsFor(course, learner.audience))
		await completeLesson(t.db, learner, SLUG, lesson.slug);
}

/** Form answers for an attempt: right for the first `right` questions, wrong for the rest. */
async function answers(learner: AuthUser, attemptId: string, right: number) {
	const [row] = await t.db
		.select()
		.from(assessmentAttempts)
		.where(eq(assessmentAttempts.id, attemptId));
	return Object.fromEntries(
		row!.questions.map((d, i) => {
			const answer = course.questions.get(d.questionId)!.answer;
			return [
				`q-${d.questionId}`,
				String(d.optionOrder.findIndex((o) => (i < right ? o === answer : o !== answer)))
			];
		})
	);
}

describe('registering courses', () => {
	it('keeps ids stable across restarts and records the content version', async () => {
		const before = await t.db.select().from(courses);
		await registerCourses(t.db, catalogue);
		const after = await t.db.select().from(courses);
		expect(after.map((c) => [c.slug, c.id]).sort()).toEqual(
			before.map((c) => [c.slug, c.id]).sort()
		);
		expect(after.find((c) => c.slug === SLUG)?.version).toBe(course.version);
	});
});

describe('answers saved as they are chosen', () => {
	it('keeps every answer across a reload or a new session, counts them, and grades what was saved', async () => {
		const learner = await makePerson(t.db, { email: 'saved@journey.example' });
		await openAllLessons(learner);
		const { attemptId } = await startAttempt(t.db, learner, SLUG);
		const form = await answers(learner, attemptId, 10);
		const entries = Object.entries(form);
		// One answer at a time, as the page saves them; then a change of mind on the first.
		for (const [key, value] of entries.slice(0, 4))
			await saveAnswers(t.db, learner, SLUG, attemptId, { [key]: value });
		const wrongFirst = String((Number(entries[0]![1]) + 1) % 2);
		const saved = await saveAnswers(t.db, learner, SLUG, attemptId, {
			[entries[0]![0]]: wrongFirst
		});
		expect(saved).toMatchObject({ answered: 4, total: course.assessmentQuestions });
		const resumed = await attemptForTaking(t.db, learner, SLUG, attemptId);
		expect(resumed.answered).toBe(4);
		expect(resumed.questions.map((q) => q.chosen)).toEqual([
			Number(wrongFirst),
			...entries.slice(1, 4).map(([, v]) => Number(v)),
			...Array(course.assessmentQuestions - 4).fill(null)
		]);
		expect(JSON.stringify(resumed)).not.toMatch(/explanation|"correct"|"answer"/);
		// Starting again hands back the same attempt, with its answers.
		expect((await startAttempt(t.db, learner, SLUG)).attemptId).toBe(attemptId);

		const refused = (await errorOf(
			submitAttempt(t.db, learner, SLUG, attemptId)
		)) as ValidationError;
		expect(Object.keys(refused.fieldErrors)).toHaveLength(course.assessmentQuestions - 4);
		expect((await attemptForTaking(t.db, learner, SLUG, attemptId)).answered).toBe(4);

		for (const [key, value] of entries.slice(4))
			await saveAnswers(t.db, learner, SLUG, attemptId, { [key]: value });
		await submitAttempt(t.db, learner, SLUG, attemptId);
		expect(await attemptResult(t.db, learner, SLUG, attemptId)).toMatchObject({
			scorePercent: 90,
			passed: true
		});
		expect(
			await errorOf(
				saveAnswers(t.db, learner, SLUG, attemptId, { [entries[0]![0]]: entries[0]![1] })
			)
		).toBeInstanceOf(ConflictError);
	});

	it('refuses an answer that is not one of the options, naming the question, and saves nothing of it', async () => {
		const learner = await makePerson(t.db, { email: 'bad-answer@journey.example' });
		await openAllLessons(learner);
		const { attemptId } = await startAttempt(t.db, learner, SLUG);
		const [first] = Object.keys(await answers(learner, attemptId, 10));
		const error = (await errorOf(
			saveAnswers(t.db, learner, SLUG, attemptId, { [first!]: '7' })
		)) as ValidationError;
		expect(error).toBeInstanceOf(ValidationError);
		expect(error.fieldErrors[first!]).toMatch(/question 1/);
		expect((await attemptForTaking(t.db, learner, SLUG, attemptId)).answered).toBe(0);
	});

	it('shows and grades the attempt as drawn after the course text changes', async () => {
		const learner = await makePerson(t.db, { email: 'frozen@journey.example' });
		await openAllLessons(learner);
		const { attemptId } = await startAttempt(t.db, learner, SLUG);
		const form = await answers(learner, attemptId, 10);
		const [row] = await t.db
			.select()
			.from(assessmentAttempts)
			.where(eq(assessmentAttempts.id, attemptId));
		// Simulate a later content change to the drawn questions: the stored copy is what counts.
		const q0 = course.questions.get(row!.questions[0]!.questionId)!;
		const original = { question: q0.question, answer: q0.answer };
		Object.assign(q0, {
			question: 'Rewritten after the draw',
			answer: (q0.answer + 1) % q0.options.length
		});
		try {
			const taking = await attemptForTaking(t.db, learner, SLUG, attemptId);
			expect(taking.questions[0]!.question).toBe(original.question);
			await submitAttempt(t.db, learner, SLUG, attemptId, form);
			const result = await attemptResult(t.db, learner, SLUG, attemptId);
			expect(result).toMatchObject({ scorePercent: 100 });
			expect(result.questions[0]!.question).toBe(original.question);
		} finally {
			Object.assign(q0, original);
		}
	});
});

describe("a learner's journey", () => {
	it('shows each audience only its own lessons, and keeps the place to resume', async () => {
		const volunteer = await makePerson(t.db, {
			email: 'vol@journey.example',
			audience: 'community',
			organisationKey: 'community-volunteers'
		});
		const officer = await makePerson(t.db, { email: 'pc@journey.example' });
		const forVolunteer = (await courseOverview(t.db, volunteer, SLUG)).lessons.map((l) => l.slug);
		const forOfficer = (await courseOverview(t.db, officer, SLUG)).lessons.map((l) => l.slug);
		const frontlineOnly = course.lessons
			.filter((l) => l.audience === 'frontline')
			.map((l) => l.slug);
		const communityOnly = course.lessons
			.filter((l) => l.audience === 'community')
			.map((l) => l.slug);
		expect(frontlineOnly.length).toBeGreaterThan(0);
		expect(forVolunteer).not.toContain(frontlineOnly[0]);
		expect(forOfficer).toContain(frontlineOnly[0]);
		expect(forOfficer).not.toContain(communityOnly[0]);
		expect(await errorOf(lessonPage(t.db, volunteer, SLUG, frontlineOnly[0]!))).toBeInstanceOf(
			NotFoundError
		);
		expect(await errorOf(completeLesson(t.db, volunteer, SLUG, frontlineOnly[0]!))).toBeInstanceOf(
			NotFoundError
		);

		// Finishing lesson 3 ("Next") puts the place to resume on lesson 4.
		await completeLesson(t.db, volunteer, SLUG, forVolunteer[2]!);
		const overview = await courseOverview(t.db, volunteer, SLUG);
		expect(overview.resume).toMatchObject({ slug: forVolunteer[3], position: 4 });
		expect(overview.doneCount).toBe(1);
		// The lesson page reads the same progress (course and lessons done in one query).
		expect(await lessonPage(t.db, volunteer, SLUG, forVolunteer[2]!)).toMatchObject({
			done: true,
			doneCount: 1
		});
		expect(await lessonPage(t.db, volunteer, SLUG, forVolunteer[3]!)).toMatchObject({
			done: false,
			doneCount: 1
		});
		const card = (await myLearning(t.db, volunteer, new Date())).inProgress;
		expect(card.map((c) => c.slug)).toEqual([SLUG]);
		expect(card[0]!.progress).toMatchObject({
			doneCount: 1,
			total: forVolunteer.length,
			resume: { slug: forVolunteer[3], position: 4 }
		});
		expect((await listCatalogue(t.db, volunteer)).map((c) => c.slug).sort()).toEqual(
			[...catalogue.keys()].sort()
		);
	});

	it('shows scenario choices in each learner’s own order, the same on every showing', async () => {
		const lesson = lessonsFor(course, 'frontline').find((l) => l.scenarioIds.length)!;
		const sid = lesson.scenarioIds[0]!;
		const orderFor = async (email: string) => {
			const learner = await makePerson(t.db, { email });
			const first = (await lessonPage(t.db, learner, SLUG, lesson.slug)).components.scenarios[sid]!;
			const again = (await lessonPage(t.db, learner, SLUG, lesson.slug)).components.scenarios[sid]!;
			expect(again).toEqual(first);
			return Object.values(first.steps)
				.map((step) => step.choices.map((c) => c.text).join('|'))
				.join('/');
		};
		const orders = new Set<string>();
		for (let i = 0; i < 8; i++) orders.add(await orderFor(`scenario-order-${i}@journey.example`));
		expect(orders.size).toBeGreaterThan(1);
		// Every choice is still there, with its own feedback and rating.
		const shown = (
			await lessonPage(
				t.db,
				await makePerson(t.db, { email: 'scenario-all@journey.example' }),
				SLUG,
				lesson.slug
			)
		).components.scenarios[sid]!;
		for (const [stepId, step] of Object.entries(course.scenarios.get(sid)!.steps))
			expect(
				[...shown.steps[stepId]!.choices].sort((a, b) => a.text.localeCompare(b.text))
			).toEqual([...step.choices].sort((a, b) => a.text.localeCompare(b.text)));
	});

	it('opening a lesson (a GET) changes nothing; only moving on marks it done', async () => {
		const learner = await makePerson(t.db, { email: 'reader@journey.example' });
		const path = lessonsFor(course, learner.audience);
		for (const l of path) await lessonPage(t.db, learner, SLUG, l.slug);
		const untouched = await courseOverview(t.db, learner, SLUG);
		expect(untouched).toMatchObject({
			started: false,
			doneCount: 0,
			allDone: false,
			resume: { slug: path[0]!.slug, position: 1 }
		});
		expect((await myLearning(t.db, learner, new Date())).inProgress).toEqual([]);
		expect(await errorOf(startAttempt(t.db, learner, SLUG))).toBeInstanceOf(ConflictError);

		expect(await completeLesson(t.db, learner, SLUG, path[0]!.slug)).toEqual({
			next: { slug: path[1]!.slug },
			allDone: false
		});
		expect(await lessonPage(t.db, learner, SLUG, path[0]!.slug)).toMatchObject({
			done: true,
			doneCount: 1
		});
		for (const l of path.slice(1, -1)) await completeLesson(t.db, learner, SLUG, l.slug);
		expect(await completeLesson(t.db, learner, SLUG, path.at(-1)!.slug)).toEqual({
			next: null,
			allDone: true
		});
		const done = await courseOverview(t.db, learner, SLUG);
		expect(done).toMatchObject({ doneCount: path.length, allDone: true, resume: null });
		const required = await myLearning(t.db, learner, new Date());
		expect(required.inProgress[0]!.progress).toMatchObject({ allDone: true, resume: null });
		expect(done.estimatedMinutes).toBe(required.inProgress[0]!.estimatedMinutes);
	});

	it('grades a knowledge check on the server, revealing the answer only then', async () => {
		const learner = await makePerson(t.db, { email: 'kc@journey.example' });
		const lesson = lessonsFor(course, 'frontline').find((l) => l.knowledgeCheckIds.length)!;
		const opened = await lessonPage(t.db, learner, SLUG, lesson.slug);
		const qid = lesson.knowledgeCheckIds[0]!;
		expect(JSON.stringify(opened.components)).not.toContain(course.questions.get(qid)!.explanation);
		expect(JSON.stringify(opened.components)).not.toMatch(/"correct"|"answer"/);
		// Options come in this learner's own order; the position posted is a position in that order.
		const bank = course.questions.get(qid)!;
		const shown = opened.components.questions[qid]!.options;
		const rightPosition = shown.indexOf(bank.options[bank.answer]!.text);
		expect(
			learnerOrder(learner.id, `check:${SLUG}:${qid}`, bank.options.length).indexOf(bank.answer)
		).toBe(rightPosition);
		expect(
			(await lessonPage(t.db, learner, SLUG, lesson.slug)).components.questions[qid]!.options
		).toEqual(shown);
		const right = await checkKnowledge(t.db, learner, SLUG, {
			questionId: qid,
			option: String(rightPosition)
		});
		expect(right).toMatchObject({
			correct: true,
			answer: rightPosition,
			explanation: bank.explanation
		});
		const wrong = await checkKnowledge(t.db, learner, SLUG, {
			questionId: qid,
			option: String(rightPosition === 0 ? 1 : 0)
		});
		expect(wrong).toMatchObject({ correct: false, answer: rightPosition });
		expect(
			await errorOf(checkKnowledge(t.db, learner, SLUG, { questionId: qid, option: '9' }))
		).toBeInstanceOf(ValidationError);
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

		const missing = (await errorOf(
			submitAttempt(t.db, learner, SLUG, first.attemptId, {})
		)) as ValidationError;
		expect(Object.keys(missing.fieldErrors)).toHaveLength(course.assessmentQuestions);

		await submitAttempt(
			t.db,
			learner,
			SLUG,
			first.attemptId,
			await answers(learner, first.attemptId, 7)
		);
		const failed = await attemptResult(t.db, learner, SLUG, first.attemptId);
		expect(failed).toMatchObject({ scorePercent: 70, passed: false, completedAt: null });
		expect(failed.questions.filter((q) => !q.correct)).toHaveLength(3);
		expect(failed.questions.find((q) => !q.correct)!.explanation.length).toBeGreaterThan(10);
		expect((await courseOverview(t.db, learner, SLUG)).completion).toBeNull();

		const second = await startAttempt(t.db, learner, SLUG);
		expect(second.attemptId).not.toBe(first.attemptId);
		const hooksBefore = hooked.length;
		await submitAttempt(
			t.db,
			learner,
			SLUG,
			second.attemptId,
			await answers(learner, second.attemptId, 10)
		);
		const passed = await attemptResult(t.db, learner, SLUG, second.attemptId);
		expect(passed).toMatchObject({ scorePercent: 100, passed: true });
		expect(passed.completedAt).not.toBeNull();
		const rows = await t.db.select().from(completions).where(eq(completions.userId, learner.id));
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			courseVersion: course.version,
			source: 'native',
			scorePercent: 100
		});
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
		expect(
			await t.db
				.select()
				.from(completions)
				.where(and(eq(completions.userId, learner.id), eq(completions.courseId, row!.id)))
		).toHaveLength(1);
	});

	it("never lets a learner read or submit someone else's attempt", async () => {
		const owner = await makePerson(t.db, { email: 'owner@journey.example' });
		const other = await makePerson(t.db, { email: 'other@journey.example' });
		await openAllLessons(owner);
		const { attemptId } = await startAttempt(t.db, owner, SLUG);
		expect(await errorOf(attemptForTaking(t.db, other, SLUG, attemptId))).toBeInstanceOf(
			NotFoundError
		);
		expect(await errorOf(submitAttempt(t.db, other, SLUG, attemptId, {}))).toBeInstanceOf(
			NotFoundError
		);
		expect(await errorOf(attemptResult(t.db, owner, SLUG, attemptId))).toBeInstanceOf(
			NotFoundError
		);
	});
});

describe('local contacts in lessons', () => {
	it("a lesson shows each topic's contacts in their set order, whatever characters a topic holds", async () => {
		const odd = 'odd "topic", with \\ and {braces}';
		// Only this test's contacts for the topic (the partnership's seed file has some).
		await t.db.delete(localContacts).where(eq(localContacts.topic, 'hate-crime'));
		await t.db.insert(localContacts).values([
			{ topic: 'hate-crime', name: 'Second line', sortOrder: 2 },
			{ topic: 'hate-crime', name: 'First line', sortOrder: 1 },
			{ topic: odd, name: 'Odd topic line', sortOrder: 0 },
			{ topic: 'odd', name: 'Not asked for', sortOrder: 0 }
		]);
		const asb = catalogue.get('early-asb-intervention')!;
		const learner = await makePerson(t.db, {
			email: 'contacts.reader@example.org',
			audience: 'frontline'
		});
		const contactsOf = async (topics: string[]) =>
			(await activeCourseWithVisits(t.db, asb.slug, learner.id, topics))!.contacts;
		expect((await contactsOf(['hate-crime', odd])).map((r) => [r.topic, r.name])).toEqual([
			[odd, 'Odd topic line'],
			['hate-crime', 'First line'],
			['hate-crime', 'Second line']
		]);
		expect(await contactsOf([])).toEqual([]);
		// Through the lesson page: a lesson naming the topic carries its contacts to the component.
		const lesson = lessonsFor(asb, 'frontline').find((l) =>
			/<WhoToContact\s+topic="hate-crime"/.test(l.body)
		)!;
		const page = await lessonPage(t.db, learner, asb.slug, lesson.slug);
		expect(page.components.contacts['hate-crime']!.map((c) => c.name)).toEqual([
			'First line',
			'Second line'
		]);
	});
});
