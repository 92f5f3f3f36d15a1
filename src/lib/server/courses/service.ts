import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import { assessmentAttempts, completions, courseProgress, courses, lessonVisits, localContacts } from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { courseCatalogue } from './content.ts';
import { lessonsFor, type CourseContent, type LessonMeta } from './content-schema.ts';
import { drawAssessment, gradeAttempt, secureRandom, type Random } from './assessment.ts';
import { runCompletionHooks } from './completion.ts';
import { statusRows, type TrackingStatus } from '../tracking/status.ts';
import { rowsOf } from '../db/migrate.ts';
import { cached, trackingChanged } from '../tracking/cache.ts';
import { stateAt } from '../certificates/service.ts';

/** A course the learner may take: registered, active, open to their audience, with its content. */
async function openCourse(db: Db, learner: AuthUser, slug: string) {
	const content = courseCatalogue().get(slug);
	const [row] = content ? await db.select().from(courses).where(and(eq(courses.slug, slug), eq(courses.active, true))) : [];
	if (!content || !row || !content.audiences.includes(learner.audience)) throw new NotFoundError('We could not find that course.');
	return { content, row, path: lessonsFor(content, learner.audience) };
}

async function visitedLessons(db: Db, userId: string, courseId: string): Promise<Set<string>> {
	const rows = await db
		.select({ lesson: lessonVisits.lesson })
		.from(lessonVisits)
		.where(and(eq(lessonVisits.userId, userId), eq(lessonVisits.courseId, courseId)));
	return new Set(rows.map((r) => r.lesson));
}

async function latestCompletion(db: Db, userId: string, courseId: string) {
	const [row] = await db
		.select()
		.from(completions)
		.where(and(eq(completions.userId, userId), eq(completions.courseId, courseId)))
		.orderBy(desc(completions.completedAt))
		.limit(1);
	return row ?? null;
}

export type CourseState = 'not-started' | 'in-progress' | 'completed';

/**
 * Every course open to the learner with their state in it and, where the course is required of
 * them, its tracking status and due date: one query, since this is the page learners land on.
 */
async function learnerCourses(db: Db, learner: AuthUser, now: Date) {
	const catalogue = courseCatalogue();
	const result = await db.execute(sql`
		with s as (${statusRows({ organisationIds: null, userId: learner.id }, now)})
		select c.slug, c.kind, c.title, c.summary, c.estimated_minutes, c.audiences,
			cp.last_activity_at,
			(select max(cm.completed_at) from completions cm where cm.user_id = ${learner.id}::uuid and cm.course_id = c.id and cm.voided_at is null) as completed_at,
			s.status as tracking_status, s.effective_due,
			cert.code as certificate_code, cert.expires_at as certificate_expires_at, cert.revoked_at as certificate_revoked_at, cert.voided_at as certificate_voided_at
		from courses c
		left join course_progress cp on cp.user_id = ${learner.id}::uuid and cp.course_id = c.id
		left join s on s.course_id = c.id
		-- The newest certificate for the course, in the same round trip.
		left join lateral (
			select ce.code, ce.expires_at, ce.revoked_at, cv.voided_at from certificates ce join completions cv on cv.id = ce.completion_id
			where ce.user_id = ${learner.id}::uuid and ce.course_id = c.id
			order by ce.completed_at desc, ce.issued_at desc limit 1
		) cert on true
		where c.active and c.kind <> 'external'
		order by c.title`);
	const date = (v: unknown) => (v ? new Date(v as string) : null);
	return rowsOf<Record<string, unknown>>(result)
		.filter((r) => {
			const audiences = (typeof r.audiences === 'string' ? JSON.parse(r.audiences) : r.audiences) as string[];
			// External courses are done elsewhere; native ones must still be in content/.
			return audiences.includes(learner.audience) && (r.kind !== 'native' || catalogue.has(String(r.slug)));
		})
		.map((r) => {
			const completedAt = date(r.completed_at);
			const lastActivityAt = date(r.last_activity_at);
			const state: CourseState = completedAt ? 'completed' : lastActivityAt ? 'in-progress' : 'not-started';
			return {
				slug: String(r.slug),
				kind: r.kind as string,
				/** where the course is taken: native courses have lessons, SCORM packages a player */
				href: r.kind === 'scorm' ? `/scorm/${r.slug}` : `/courses/${r.slug}`,
				title: String(r.title),
				summary: String(r.summary),
				estimatedMinutes: Number(r.estimated_minutes),
				state,
				completedAt,
				lastActivityAt,
				trackingStatus: (r.tracking_status as TrackingStatus | null) ?? null,
				dueAt: date(r.effective_due),
				/** the newest certificate, unless withdrawn (revoked, or its completion voided) */
				certificate: certificateOffered(r, date, now)
			};
		});
}

function certificateOffered(r: Record<string, unknown>, date: (v: unknown) => Date | null, now: Date) {
	if (!r.certificate_code) return null;
	const expiresAt = date(r.certificate_expires_at);
	const withdrawn = stateAt({ revokedAt: date(r.certificate_revoked_at), voidedAt: date(r.certificate_voided_at), expiresAt, newerIssuedAt: null }, now).state === 'revoked';
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
export async function myLearning(db: Db, learner: AuthUser, now?: Date) {
	// The page learners land on, again after every lesson: kept briefly per person and dropped
	// on any change to requirements, completions or who started what (see tracking/cache.ts).
	const all = now
		? await learnerCourses(db, learner, now)
		: await cached(`learning:${learner.id}:${learner.audience}`, () => learnerCourses(db, learner, new Date()));
	const required = all
		.filter((c) => c.trackingStatus && c.trackingStatus !== 'completed')
		.map((c) => ({ ...c, trackingStatus: c.trackingStatus! }))
		.sort((a, b) => (a.dueAt?.getTime() ?? Infinity) - (b.dueAt?.getTime() ?? Infinity));
	const requiredSlugs = new Set(required.map((r) => r.slug));
	return {
		required,
		inProgress: all.filter((c) => c.state === 'in-progress' && !requiredSlugs.has(c.slug)).sort((a, b) => (b.lastActivityAt?.getTime() ?? 0) - (a.lastActivityAt?.getTime() ?? 0)),
		completed: all.filter((c) => c.state === 'completed').sort((a, b) => (b.completedAt?.getTime() ?? 0) - (a.completedAt?.getTime() ?? 0)),
		notStarted: all.filter((c) => c.state === 'not-started' && !requiredSlugs.has(c.slug))
	};
}

export async function courseOverview(db: Db, learner: AuthUser, slug: string) {
	const { content, row, path } = await openCourse(db, learner, slug);
	const visited = await visitedLessons(db, learner.id, row.id);
	const [progress] = await db
		.select()
		.from(courseProgress)
		.where(and(eq(courseProgress.userId, learner.id), eq(courseProgress.courseId, row.id)));
	const completion = await latestCompletion(db, learner.id, row.id);
	const lessons = path.map((l) => ({ slug: l.slug, title: l.title, minutes: l.minutes, kind: l.kind, visited: visited.has(l.slug) }));
	const visitedCount = lessons.filter((l) => l.visited).length;
	const resume = progress?.lastLesson && path.some((l) => l.slug === progress.lastLesson) ? progress.lastLesson : null;
	const firstUnvisited = lessons.find((l) => !l.visited)?.slug ?? null;
	const attempts = await db
		.select({ id: assessmentAttempts.id, submittedAt: assessmentAttempts.submittedAt, scorePercent: assessmentAttempts.scorePercent, passed: assessmentAttempts.passed })
		.from(assessmentAttempts)
		.where(and(eq(assessmentAttempts.userId, learner.id), eq(assessmentAttempts.courseId, row.id)))
		.orderBy(desc(assessmentAttempts.startedAt));
	return {
		slug,
		title: content.title,
		summary: content.summary,
		estimatedMinutes: path.reduce((sum, l) => sum + l.minutes, 0) || content.estimatedMinutes,
		passMark: content.passMark,
		assessmentQuestions: content.assessmentQuestions,
		validityMonths: content.validityMonths,
		contentNote: content.contentNote,
		lessons,
		visitedCount,
		started: Boolean(progress),
		resumeLesson: resume ?? firstUnvisited ?? lessons[0]?.slug ?? null,
		allVisited: visitedCount === lessons.length,
		attempts: attempts.filter((a) => a.submittedAt),
		openAttemptId: attempts.find((a) => !a.submittedAt)?.id ?? null,
		completion: completion ? { completedAt: completion.completedAt, scorePercent: completion.scorePercent, version: completion.courseVersion } : null
	};
}

/** What a lesson's components may see: questions without their answers, scenarios, local contacts. */
export interface LessonComponentData {
	courseSlug: string;
	questions: Record<string, { id: string; question: string; options: string[] }>;
	scenarios: Record<string, CourseContent['scenarios'] extends Map<string, infer S> ? S : never>;
	contacts: Record<string, { name: string; phone: string | null; url: string | null; notes: string | null }[]>;
}

/** Opens a lesson: records the visit and the place to resume, and returns what the page shows. */
export async function openLesson(db: Db, learner: AuthUser, slug: string, lessonSlug: string, now = new Date()) {
	const { content, row, path } = await openCourse(db, learner, slug);
	const index = path.findIndex((l) => l.slug === lessonSlug);
	if (index === -1) throw new NotFoundError('We could not find that lesson.');
	const lesson = path[index]!;
	const startedNow = await db.transaction(async (tx) => {
		const created = await tx
			.insert(courseProgress)
			.values({ userId: learner.id, courseId: row.id, startedAt: now, lastLesson: lesson.slug, lastActivityAt: now })
			.onConflictDoNothing()
			.returning({ userId: courseProgress.userId });
		if (!created.length)
			await tx
				.update(courseProgress)
				.set({ lastLesson: lesson.slug, lastActivityAt: now })
				.where(and(eq(courseProgress.userId, learner.id), eq(courseProgress.courseId, row.id)));
		await tx.insert(lessonVisits).values({ userId: learner.id, courseId: row.id, lesson: lesson.slug, firstVisitedAt: now }).onConflictDoNothing();
		return created.length > 0;
	});
	// Starting a course moves it to "in progress" on dashboards.
	if (startedNow) trackingChanged();
	const visited = await visitedLessons(db, learner.id, row.id);
	return {
		course: { slug, title: content.title },
		lesson: { slug: lesson.slug, title: lesson.title, minutes: lesson.minutes, kind: lesson.kind, file: lesson.file },
		position: index + 1,
		total: path.length,
		visitedCount: path.filter((l) => visited.has(l.slug)).length,
		previous: index > 0 ? { slug: path[index - 1]!.slug, title: path[index - 1]!.title } : null,
		next: index < path.length - 1 ? { slug: path[index + 1]!.slug, title: path[index + 1]!.title } : null,
		components: await componentData(db, content, lesson)
	};
}

async function componentData(db: Db, content: CourseContent, lesson: LessonMeta): Promise<LessonComponentData> {
	const questions: LessonComponentData['questions'] = {};
	for (const id of lesson.knowledgeCheckIds) {
		const q = content.questions.get(id)!;
		questions[id] = { id, question: q.question, options: q.options.map((o) => o.text) };
	}
	const scenarios: LessonComponentData['scenarios'] = {};
	for (const id of lesson.scenarioIds) scenarios[id] = content.scenarios.get(id)!;
	const topics = [...lesson.body.matchAll(/<WhoToContact\s+topic="([^"]+)"/g)].map((m) => m[1]!);
	const contacts: LessonComponentData['contacts'] = {};
	if (topics.length) {
		const rows = await db.select().from(localContacts).where(inArray(localContacts.topic, topics)).orderBy(asc(localContacts.sortOrder));
		for (const topic of topics) contacts[topic] = rows.filter((r) => r.topic === topic).map(({ name, phone, url, notes }) => ({ name, phone, url, notes }));
	}
	return { courseSlug: content.slug, questions, scenarios, contacts };
}

/** Grades one knowledge check in a lesson; the answer and explanation are revealed only now. */
export async function checkKnowledge(db: Db, learner: AuthUser, slug: string, raw: unknown) {
	const { content, path } = await openCourse(db, learner, slug);
	const input = z.object({ questionId: z.string().max(100), option: z.coerce.number().int().min(0).max(10) }).safeParse(raw);
	if (!input.success) throw new ValidationError({ form: 'Choose an answer' }, 'Choose an answer');
	const question = content.questions.get(input.data.questionId);
	if (!question || !path.some((l) => l.knowledgeCheckIds.includes(question.id))) throw new NotFoundError('We could not find that question.');
	if (input.data.option >= question.options.length) throw new ValidationError({ form: 'Choose an answer' }, 'Choose an answer');
	return {
		questionId: question.id,
		chosen: input.data.option,
		correct: input.data.option === question.answer,
		answer: question.answer,
		explanation: question.explanation
	};
}

/**
 * Starts (or resumes) the final assessment. All lessons on the learner's path must have been
 * opened first. A learner who has an open attempt gets it back rather than a fresh draw.
 */
export async function startAttempt(db: Db, learner: AuthUser, slug: string, random: Random = secureRandom, now = new Date()) {
	const { content, row, path } = await openCourse(db, learner, slug);
	const visited = await visitedLessons(db, learner.id, row.id);
	const missing = path.filter((l) => !visited.has(l.slug));
	if (missing.length) throw new ConflictError(`Open every lesson before the assessment. Still to do: ${missing.map((l) => l.title).join(', ')}.`);
	return db.transaction(async (tx) => {
		// Serialise per learner and course, so two clicks on "Start" cannot draw two open attempts.
		await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${learner.id}), hashtext(${row.id}))`);
		const [open] = await tx
			.select({ id: assessmentAttempts.id })
			.from(assessmentAttempts)
			.where(and(eq(assessmentAttempts.userId, learner.id), eq(assessmentAttempts.courseId, row.id), isNull(assessmentAttempts.submittedAt)));
		if (open) return { attemptId: open.id };
		const [created] = await tx
			.insert(assessmentAttempts)
			.values({ userId: learner.id, courseId: row.id, courseVersion: content.version, questions: drawAssessment(content, learner.audience, random), startedAt: now })
			.returning({ id: assessmentAttempts.id });
		return { attemptId: created!.id };
	});
}

async function ownAttempt(db: Db, learner: AuthUser, slug: string, attemptId: string) {
	const { content, row, path } = await openCourse(db, learner, slug);
	if (!z.uuid().safeParse(attemptId).success) throw new NotFoundError('We could not find that assessment.');
	const [attempt] = await db
		.select()
		.from(assessmentAttempts)
		.where(and(eq(assessmentAttempts.id, attemptId), eq(assessmentAttempts.userId, learner.id), eq(assessmentAttempts.courseId, row.id)));
	if (!attempt) throw new NotFoundError('We could not find that assessment.');
	return { content, row, path, attempt };
}

/** The questions of an open attempt, with options in their drawn order and nothing about which is right. */
export async function attemptForTaking(db: Db, learner: AuthUser, slug: string, attemptId: string) {
	const { content, attempt } = await ownAttempt(db, learner, slug, attemptId);
	return {
		attemptId: attempt.id,
		submitted: Boolean(attempt.submittedAt),
		courseTitle: content.title,
		passMark: content.passMark,
		questions: attempt.questions.map((d, n) => {
			const q = content.questions.get(d.questionId);
			return {
				id: d.questionId,
				number: n + 1,
				question: q?.question ?? 'This question is no longer in the course.',
				options: d.optionOrder.map((i) => q?.options[i]?.text ?? '')
			};
		})
	};
}

/**
 * Submits an attempt: graded on the server; exactly once even if the form is sent twice (the
 * second submission sees the first's result). A pass with every lesson opened writes the
 * completion, and runs the completion hooks, in the same transaction.
 */
export async function submitAttempt(db: Db, learner: AuthUser, slug: string, attemptId: string, raw: Record<string, unknown>, now = new Date()) {
	const { content, row, path, attempt } = await ownAttempt(db, learner, slug, attemptId);
	if (attempt.submittedAt) return { attemptId, alreadySubmitted: true };
	const chosen: Record<string, number | undefined> = {};
	for (const d of attempt.questions) {
		const value = raw[`q-${d.questionId}`];
		const n = typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : undefined;
		chosen[d.questionId] = n;
	}
	const graded = gradeAttempt(content, attempt.questions, chosen);
	if ('missing' in graded) {
		const numbers = Object.fromEntries(attempt.questions.map((d, i) => [d.questionId, i + 1]));
		throw new ValidationError(
			Object.fromEntries(graded.missing.map((id) => [`q-${id}`, `Answer question ${numbers[id]}`])),
			'Answer every question before you submit'
		);
	}
	const visited = await visitedLessons(db, learner.id, row.id);
	const lessonsDone = path.every((l) => visited.has(l.slug));
	return db.transaction(async (tx) => {
		const [updated] = await tx
			.update(assessmentAttempts)
			.set({ submittedAt: now, answers: graded.answers, scorePercent: graded.scorePercent, passed: graded.passed })
			.where(and(eq(assessmentAttempts.id, attemptId), isNull(assessmentAttempts.submittedAt)))
			.returning({ id: assessmentAttempts.id });
		if (!updated) return { attemptId, alreadySubmitted: true };
		if (graded.passed && lessonsDone) {
			const [completion] = await tx
				.insert(completions)
				.values({ userId: learner.id, courseId: row.id, courseVersion: attempt.courseVersion, completedAt: now, source: 'native', attemptId, scorePercent: graded.scorePercent })
				.onConflictDoNothing()
				.returning();
			if (completion) await runCompletionHooks(tx, completion);
		}
		return { attemptId, alreadySubmitted: false };
	});
}

/** After submission: the score, and for every question the learner's answer, the right one and why. */
export async function attemptResult(db: Db, learner: AuthUser, slug: string, attemptId: string) {
	const { content, row, attempt } = await ownAttempt(db, learner, slug, attemptId);
	if (!attempt.submittedAt || !attempt.answers) throw new NotFoundError('This assessment has not been submitted yet.');
	const [completion] = await db.select({ id: completions.id, completedAt: completions.completedAt }).from(completions).where(eq(completions.attemptId, attempt.id));
	return {
		courseTitle: content.title,
		courseId: row.id,
		scorePercent: attempt.scorePercent ?? 0,
		passed: Boolean(attempt.passed),
		passMark: content.passMark,
		completedAt: completion?.completedAt ?? null,
		submittedAt: attempt.submittedAt,
		questions: attempt.answers.map((a, n) => {
			const q = content.questions.get(a.questionId);
			return {
				number: n + 1,
				question: q?.question ?? '',
				yourAnswer: q?.options[a.chosenOption]?.text ?? '',
				correctAnswer: q ? q.options[q.answer]!.text : '',
				correct: a.correct,
				explanation: q?.explanation ?? ''
			};
		})
	};
}
