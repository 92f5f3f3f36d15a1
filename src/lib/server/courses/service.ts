import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import { jsonColumn } from '../db/migrate.ts';
import { assessmentAttempts } from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { courseCatalogue } from './content.ts';
import { lessonsFor, type CourseContent, type LessonMeta } from './content-schema.ts';
import { learnerOrder } from '../assessment/order.ts';
import type { TrackingStatus } from '../tracking/status.ts';
import { stateAt } from '../certificates/service.ts';
import {
	activeCourseBySlug,
	activeCourseWithVisits,
	type LocalContactRow,
	latestCompletion,
	learnerCourseRows,
	progressOf,
	recordLessonVisit,
	visitedLessons
} from './queries.ts';

/** A course the learner may take: registered, active, open to their audience, with its content. */
export async function openCourse(db: Db, learner: AuthUser, slug: string) {
	const content = courseCatalogue().get(slug);
	const row = content ? await activeCourseBySlug(db, slug) : null;
	return openedFor(learner, content, row);
}

/** openCourse, with the lessons the learner has marked done read in the same query. */
async function openCourseWithVisits(
	db: Db,
	learner: AuthUser,
	slug: string,
	/** the lesson about to be shown, whose local contacts come in the same query */
	lessonSlug?: string
) {
	const content = courseCatalogue().get(slug);
	const lesson = lessonSlug
		? content && lessonsFor(content, learner.audience).find((l) => l.slug === lessonSlug)
		: undefined;
	const found = content
		? await activeCourseWithVisits(db, slug, learner.id, lesson ? contactTopics(lesson) : [])
		: null;
	const opened = openedFor(learner, content, found?.course ?? null);
	// openedFor threw if nothing was found
	return { ...opened, visited: found!.visited, contacts: found!.contacts };
}

/** The topics of a lesson's WhoToContact blocks, in the order they appear. */
const contactTopics = (lesson: LessonMeta) =>
	[...lesson.body.matchAll(/<WhoToContact\s+topic="([^"]+)"/g)].map((m) => m[1]!);

/** A course the learner may open: it is in content/, active, and open to their audience. */
function openedFor<Row>(learner: AuthUser, content: CourseContent | undefined, row: Row | null) {
	if (!content || !row || !content.audiences.includes(learner.audience))
		throw new NotFoundError('We could not find that course.');
	return { content, row, path: lessonsFor(content, learner.audience) };
}

export type CourseState = 'not-started' | 'in-progress' | 'completed';

/**
 * Every course open to the learner with their state in it and, where the course is required of
 * them, its tracking status and due date: one query, since this is the page learners land on.
 */
async function learnerCourses(db: Db, learner: AuthUser, now: Date) {
	const catalogue = courseCatalogue();
	const rows = await learnerCourseRows(db, learner.id, now);
	const date = (v: unknown) => (v ? new Date(v as string) : null);
	return rows
		.filter((r) => {
			const audiences = jsonColumn<string[]>(r.audiences);
			// External courses are done elsewhere; native ones must still be in content/.
			return (
				audiences.includes(learner.audience) &&
				(r.kind !== 'native' || catalogue.has(String(r.slug)))
			);
		})
		.map((r) => {
			const completedAt = date(r.completed_at);
			const lastActivityAt = date(r.last_activity_at);
			const state: CourseState = completedAt
				? 'completed'
				: lastActivityAt
					? 'in-progress'
					: 'not-started';
			const content = r.kind === 'native' ? catalogue.get(String(r.slug)) : undefined;
			return {
				slug: String(r.slug),
				kind: r.kind as string,
				/** where the course is taken: native courses have lessons, SCORM packages a player */
				href: r.kind === 'scorm' ? `/scorm/${r.slug}` : `/courses/${r.slug}`,
				title: String(r.title),
				summary: String(r.summary),
				estimatedMinutes: content
					? courseMinutes(content, learner.audience)
					: Number(r.estimated_minutes),
				state,
				completedAt,
				lastActivityAt,
				trackingStatus: (r.tracking_status as TrackingStatus | null) ?? null,
				dueAt: date(r.effective_due),
				/** other courses that meet the requirement, by title */
				alsoMetBy: jsonColumn<string[] | null>(r.also_met_by) ?? [],
				progress: content
					? lessonProgress(content, learner.audience, r.lessons_done, r.last_lesson)
					: null,
				/** the newest certificate, unless withdrawn (revoked, or its completion voided) */
				certificate: certificateOffered(r, date, now)
			};
		});
}

/** The one time estimate for a course, shown everywhere: the sum of the learner's own lessons. */
export function courseMinutes(content: CourseContent, audience: AuthUser['audience']): number {
	return (
		lessonsFor(content, audience).reduce((sum, l) => sum + l.minutes, 0) || content.estimatedMinutes
	);
}

/**
 * Where the learner is in a native course: lessons done of the total, and the next step, which is
 * the lesson they were on (the one after the last they finished) or, when all are done, the
 * assessment.
 */
function lessonProgress(
	content: CourseContent,
	audience: AuthUser['audience'],
	doneRaw: unknown,
	lastLesson: unknown
) {
	const path = lessonsFor(content, audience);
	const done = new Set(jsonColumn<string[] | null>(doneRaw) ?? []);
	const doneCount = path.filter((l) => done.has(l.slug)).length;
	const allDone = path.length > 0 && doneCount === path.length;
	const atIndex = path.findIndex((l) => l.slug === lastLesson);
	const firstNotDone = path.findIndex((l) => !done.has(l.slug));
	const index = atIndex >= 0 ? atIndex : Math.max(firstNotDone, 0);
	const lesson = path[index];
	return {
		total: path.length,
		doneCount,
		allDone,
		/** the lesson to resume at; null when every lesson is done (the assessment is next) */
		resume:
			!allDone && lesson ? { slug: lesson.slug, title: lesson.title, position: index + 1 } : null
	};
}

function certificateOffered(
	r: Record<string, unknown>,
	date: (v: unknown) => Date | null,
	now: Date
) {
	if (!r.certificate_code) return null;
	const expiresAt = date(r.certificate_expires_at);
	const withdrawn =
		stateAt(
			{
				revokedAt: date(r.certificate_revoked_at),
				voidedAt: date(r.certificate_voided_at),
				expiresAt,
				newerIssuedAt: null
			},
			now
		).state === 'revoked';
	return withdrawn ? null : { code: String(r.certificate_code), expiresAt };
}

/** The catalogue: courses open to the learner's audience, with their state. */
export async function listCatalogue(db: Db, learner: AuthUser, now = new Date()) {
	return learnerCourses(db, learner, now);
}

/**
 * "My learning": required courses not yet done (soonest due first), then what is in progress
 * (most recent first), then what is completed.
 */
export async function myLearning(db: Db, learner: AuthUser, now = new Date()) {
	// The page learners land on: one query over stored facts, nothing kept per instance.
	const all = await learnerCourses(db, learner, now);
	const required = all
		.filter((c) => c.trackingStatus && c.trackingStatus !== 'completed')
		.map((c) => ({ ...c, trackingStatus: c.trackingStatus! }))
		.sort((a, b) => (a.dueAt?.getTime() ?? Infinity) - (b.dueAt?.getTime() ?? Infinity));
	const requiredSlugs = new Set(required.map((r) => r.slug));
	return {
		required,
		inProgress: all
			.filter((c) => c.state === 'in-progress' && !requiredSlugs.has(c.slug))
			.sort((a, b) => (b.lastActivityAt?.getTime() ?? 0) - (a.lastActivityAt?.getTime() ?? 0)),
		completed: all
			.filter((c) => c.state === 'completed')
			.sort((a, b) => (b.completedAt?.getTime() ?? 0) - (a.completedAt?.getTime() ?? 0)),
		notStarted: all.filter((c) => c.state === 'not-started' && !requiredSlugs.has(c.slug))
	};
}

export async function courseOverview(db: Db, learner: AuthUser, slug: string) {
	const { content, row, path, visited } = await openCourseWithVisits(db, learner, slug);
	const progress = await progressOf(db, learner.id, row.id);
	const completion = await latestCompletion(db, learner.id, row.id);
	const lessons = path.map((l) => ({
		slug: l.slug,
		title: l.title,
		minutes: l.minutes,
		kind: l.kind,
		done: visited.has(l.slug)
	}));
	const progressNow = lessonProgress(
		content,
		learner.audience,
		[...visited],
		progress?.lastLesson ?? null
	);
	const attempts = await db
		.select({
			id: assessmentAttempts.id,
			submittedAt: assessmentAttempts.submittedAt,
			scorePercent: assessmentAttempts.scorePercent,
			passed: assessmentAttempts.passed
		})
		.from(assessmentAttempts)
		.where(and(eq(assessmentAttempts.userId, learner.id), eq(assessmentAttempts.courseId, row.id)))
		.orderBy(desc(assessmentAttempts.startedAt));
	return {
		slug,
		title: content.title,
		summary: content.summary,
		estimatedMinutes: courseMinutes(content, learner.audience),
		passMark: content.passMark,
		assessmentQuestions: content.assessmentQuestions,
		validityMonths: content.validityMonths,
		contentNote: content.contentNote,
		lessons,
		doneCount: progressNow.doneCount,
		started: Boolean(progress),
		/** where "Start" or "Continue" goes; null when every lesson is done */
		resume: progressNow.resume,
		allDone: progressNow.allDone,
		attempts: attempts.filter((a) => a.submittedAt),
		openAttemptId: attempts.find((a) => !a.submittedAt)?.id ?? null,
		completion: completion
			? {
					completedAt: completion.completedAt,
					scorePercent: completion.scorePercent,
					version: completion.courseVersion
				}
			: null
	};
}

/** What a lesson's components may see: questions without their answers, scenarios, local contacts. */
export interface LessonComponentData {
	courseSlug: string;
	questions: Record<string, { id: string; question: string; options: string[] }>;
	scenarios: Record<string, CourseContent['scenarios'] extends Map<string, infer S> ? S : never>;
	contacts: Record<
		string,
		{ name: string; phone: string | null; url: string | null; notes: string | null }[]
	>;
}

/**
 * A lesson page: a pure read (a GET must never change anyone's record; a link opened by another
 * site or a pop-up cannot mark a lesson done). Progress is written only by `completeLesson`.
 */
export async function lessonPage(db: Db, learner: AuthUser, slug: string, lessonSlug: string) {
	const { content, path, visited, contacts } = await openCourseWithVisits(
		db,
		learner,
		slug,
		lessonSlug
	);
	const index = path.findIndex((l) => l.slug === lessonSlug);
	if (index === -1) throw new NotFoundError('We could not find that lesson.');
	const lesson = path[index]!;
	return {
		course: { slug, title: content.title },
		lesson: {
			slug: lesson.slug,
			title: lesson.title,
			minutes: lesson.minutes,
			kind: lesson.kind,
			file: lesson.file
		},
		position: index + 1,
		total: path.length,
		/** lessons the learner has marked done (moved on from) */
		doneCount: path.filter((l) => visited.has(l.slug)).length,
		done: visited.has(lesson.slug),
		previous: index > 0 ? { slug: path[index - 1]!.slug, title: path[index - 1]!.title } : null,
		next:
			index < path.length - 1
				? { slug: path[index + 1]!.slug, title: path[index + 1]!.title }
				: null,
		components: componentData(learner, content, lesson, contacts)
	};
}

/**
 * The one place lesson progress is written: the learner reached the end of a lesson and moved on
 * ("Next" or "Mark as done", a POST). Marks the lesson done, starts the course if this is the first
 * step, and sets the place to resume to the lesson they move on to (or this one, at the end).
 * Returns where the learner goes next.
 */
export async function completeLesson(
	db: Db,
	learner: AuthUser,
	slug: string,
	lessonSlug: string,
	now = new Date()
) {
	const { row, path } = await openCourse(db, learner, slug);
	const index = path.findIndex((l) => l.slug === lessonSlug);
	if (index === -1) throw new NotFoundError('We could not find that lesson.');
	const lesson = path[index]!;
	const next = path[index + 1] ?? null;
	const resumeAt = next?.slug ?? lesson.slug;
	// Starting the course marks its obligation started, in the same transaction.
	await recordLessonVisit(db, learner.id, row.id, lesson.slug, now, resumeAt);
	const visited = await visitedLessons(db, learner.id, row.id);
	return {
		next: next ? { slug: next.slug } : null,
		allDone: path.every((l) => visited.has(l.slug))
	};
}

/** The item keys that fix a learner's order of choices: one per knowledge check, one per scenario step. */
const checkKey = (slug: string, questionId: string) => `check:${slug}:${questionId}`;
const stepKey = (slug: string, scenarioId: string, stepId: string) =>
	`scenario:${slug}:${scenarioId}:${stepId}`;

function componentData(
	learner: AuthUser,
	content: CourseContent,
	lesson: LessonMeta,
	contactRows: readonly LocalContactRow[]
): LessonComponentData {
	// Choices are shown in this learner's own order (see learnerOrder), never the file's.
	const questions: LessonComponentData['questions'] = {};
	for (const id of lesson.knowledgeCheckIds) {
		const q = content.questions.get(id)!;
		const order = learnerOrder(learner.id, checkKey(content.slug, id), q.options.length);
		questions[id] = { id, question: q.question, options: order.map((i) => q.options[i]!.text) };
	}
	const scenarios: LessonComponentData['scenarios'] = {};
	for (const id of lesson.scenarioIds) {
		const scenario = content.scenarios.get(id)!;
		const steps = Object.fromEntries(
			Object.entries(scenario.steps).map(([stepId, step]) => {
				const order = learnerOrder(
					learner.id,
					stepKey(content.slug, id, stepId),
					step.choices.length
				);
				return [stepId, { ...step, choices: order.map((i) => step.choices[i]!) }];
			})
		);
		scenarios[id] = { ...scenario, steps };
	}
	const contacts: LessonComponentData['contacts'] = {};
	for (const topic of contactTopics(lesson))
		contacts[topic] = contactRows
			.filter((r) => r.topic === topic)
			.map(({ name, phone, url, notes }) => ({ name, phone, url, notes }));
	return { courseSlug: content.slug, questions, scenarios, contacts };
}

/** Grades one knowledge check in a lesson; the answer and explanation are revealed only now. */
export async function checkKnowledge(db: Db, learner: AuthUser, slug: string, raw: unknown) {
	const { content, path } = await openCourse(db, learner, slug);
	const input = z
		.object({ questionId: z.string().max(100), option: z.coerce.number().int().min(0).max(10) })
		.safeParse(raw);
	if (!input.success) throw new ValidationError({ form: 'Choose an answer' }, 'Choose an answer');
	const question = content.questions.get(input.data.questionId);
	if (!question || !path.some((l) => l.knowledgeCheckIds.includes(question.id)))
		throw new NotFoundError('We could not find that question.');
	if (input.data.option >= question.options.length)
		throw new ValidationError({ form: 'Choose an answer' }, 'Choose an answer');
	// The option posted is a position in this learner's order; the answer goes back the same way.
	const order = learnerOrder(
		learner.id,
		checkKey(content.slug, question.id),
		question.options.length
	);
	const answer = order.indexOf(question.answer);
	return {
		questionId: question.id,
		chosen: input.data.option,
		correct: input.data.option === answer,
		answer,
		explanation: question.explanation
	};
}
