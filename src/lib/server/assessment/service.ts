import { z } from 'zod';
import type { Db } from '../db/types.ts';
import type { DrawnQuestion } from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { openCourse } from '../courses/service.ts';
import { visitedLessons } from '../courses/queries.ts';
import { runCompletionHooks } from '../courses/completion.ts';
import { drawAssessment, gradeAttempt, shownQuestion } from './draw.ts';
import { secureRandom, type Random } from './order.ts';
import * as q from './queries.ts';

/**
 * The final assessment: drawn once per attempt and frozen as shown, every answer saved as it is
 * chosen, graded on the server against what was drawn.
 */

/**
 * Starts (or resumes) the final assessment. All lessons on the learner's path must be done first.
 * A learner who has an open attempt gets it back rather than a fresh draw.
 */
export async function startAttempt(
	db: Db,
	learner: AuthUser,
	slug: string,
	random: Random = secureRandom,
	now = new Date()
) {
	const { content, row, path } = await openCourse(db, learner, slug);
	const visited = await visitedLessons(db, learner.id, row.id);
	const missing = path.filter((l) => !visited.has(l.slug));
	if (missing.length)
		throw new ConflictError(
			`Finish every lesson before the assessment. Still to do: ${missing.map((l) => l.title).join(', ')}.`
		);
	return db.transaction(async (tx) => {
		// Serialise per learner and course, so two clicks on "Start" cannot draw two open attempts.
		await q.lockAttemptsOf(tx, learner.id, row.id);
		const open = await q.openAttemptId(tx, learner.id, row.id);
		if (open) return { attemptId: open };
		const attemptId = await q.insertAttempt(tx, {
			userId: learner.id,
			courseId: row.id,
			courseVersion: content.version,
			questions: drawAssessment(content, learner.audience, random),
			startedAt: now
		});
		return { attemptId };
	});
}

async function ownAttempt(db: Db, learner: AuthUser, slug: string, attemptId: string) {
	const { content, row, path } = await openCourse(db, learner, slug);
	const attempt = z.uuid().safeParse(attemptId).success
		? await q.attemptOf(db, attemptId, learner.id, row.id)
		: null;
	if (!attempt) throw new NotFoundError('We could not find that assessment.');
	return { content, row, path, attempt };
}

export interface QuestionForTaking {
	id: string;
	number: number;
	question: string;
	options: string[];
	/** the display index the learner has chosen so far, or null */
	chosen: number | null;
}

/** The questions of an attempt as drawn, with the learner's saved answers and nothing about which is right. */
export async function attemptForTaking(db: Db, learner: AuthUser, slug: string, attemptId: string) {
	const { content, attempt } = await ownAttempt(db, learner, slug, attemptId);
	const saved = await q.savedAnswers(db, attempt.id);
	const questions: QuestionForTaking[] = attempt.questions.map((d, n) => {
		const shown = shownQuestion(content, d);
		return {
			id: d.questionId,
			number: n + 1,
			question: shown.question,
			options: shown.options,
			chosen: saved.get(d.questionId) ?? null
		};
	});
	return {
		attemptId: attempt.id,
		submitted: Boolean(attempt.submittedAt),
		courseTitle: content.title,
		passMark: content.passMark,
		total: questions.length,
		answered: questions.filter((x) => x.chosen !== null).length,
		questions
	};
}

/** Reads `q-<question id>` fields for the drawn questions; a field that is present must name one of its options. */
function postedAnswers(drawn: DrawnQuestion[], raw: Record<string, unknown>) {
	const answers: { questionId: string; chosen: number }[] = [];
	const errors: Record<string, string> = {};
	drawn.forEach((d, i) => {
		const value = raw[`q-${d.questionId}`];
		if (value === undefined || value === '') return;
		const n = typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : -1;
		if (n < 0 || n >= d.optionOrder.length)
			errors[`q-${d.questionId}`] = `Choose one of the answers to question ${i + 1}`;
		else answers.push({ questionId: d.questionId, chosen: n });
	});
	return { answers, errors };
}

/**
 * Saves the answers posted (one, or a page of them) at once, so a learner called away loses
 * nothing. Refused once the attempt has been submitted.
 */
export async function saveAnswers(
	db: Db,
	learner: AuthUser,
	slug: string,
	attemptId: string,
	raw: Record<string, unknown>,
	now = new Date()
) {
	const { attempt } = await ownAttempt(db, learner, slug, attemptId);
	if (attempt.submittedAt) throw new ConflictError('This assessment has already been submitted.');
	const { answers, errors } = postedAnswers(attempt.questions, raw);
	if (Object.keys(errors).length) throw new ValidationError(errors, Object.values(errors)[0]!);
	const saved = await db.transaction(async (tx) => {
		if (!(await q.lockOpenAttempt(tx, attempt.id))) return false;
		await q.upsertAnswers(tx, attempt.id, answers, now);
		return true;
	});
	if (!saved) throw new ConflictError('This assessment has already been submitted.');
	const all = await q.savedAnswers(db, attempt.id);
	return {
		saved: answers.length,
		answered: attempt.questions.filter((d) => all.has(d.questionId)).length,
		total: attempt.questions.length
	};
}

/**
 * Submits an attempt: any answers posted with it are saved first (kept even if the submission is
 * refused), then the saved answers are graded on the server against what was drawn; exactly once
 * even if sent twice. A pass with every lesson done writes the completion, and runs the
 * completion hooks, in the same transaction.
 */
export async function submitAttempt(
	db: Db,
	learner: AuthUser,
	slug: string,
	attemptId: string,
	raw: Record<string, unknown> = {},
	now = new Date()
) {
	const { content, row, path, attempt } = await ownAttempt(db, learner, slug, attemptId);
	if (attempt.submittedAt) return { attemptId, alreadySubmitted: true };
	if (Object.keys(raw).some((k) => k.startsWith('q-')))
		await saveAnswers(db, learner, slug, attemptId, raw, now).catch((e: unknown) => {
			if (e instanceof ConflictError) return;
			throw e;
		});
	const visited = await visitedLessons(db, learner.id, row.id);
	const lessonsDone = path.every((l) => visited.has(l.slug));
	return db.transaction(async (tx) => {
		if (!(await q.lockOpenAttempt(tx, attempt.id))) return { attemptId, alreadySubmitted: true };
		const saved = await q.savedAnswers(tx, attempt.id);
		const graded = gradeAttempt(content, attempt.questions, Object.fromEntries(saved));
		if ('missing' in graded) {
			const numbers = Object.fromEntries(attempt.questions.map((d, i) => [d.questionId, i + 1]));
			throw new ValidationError(
				Object.fromEntries(
					graded.missing.map((id) => [`q-${id}`, `Answer question ${numbers[id]}`])
				),
				'Answer every question before you submit'
			);
		}
		const submitted = await q.markSubmitted(tx, attempt.id, {
			submittedAt: now,
			answers: graded.answers,
			scorePercent: graded.scorePercent,
			passed: graded.passed
		});
		if (!submitted) return { attemptId, alreadySubmitted: true };
		if (graded.passed && lessonsDone) {
			const completion = await q.insertNativeCompletion(tx, {
				userId: learner.id,
				courseId: row.id,
				courseVersion: attempt.courseVersion,
				completedAt: now,
				attemptId: attempt.id,
				scorePercent: graded.scorePercent
			});
			if (completion) await runCompletionHooks(tx, completion);
		}
		return { attemptId, alreadySubmitted: false };
	});
}

/** After submission: the score, and for every question the learner's answer, the right one and why, as they were shown. */
export async function attemptResult(db: Db, learner: AuthUser, slug: string, attemptId: string) {
	const { content, row, attempt } = await ownAttempt(db, learner, slug, attemptId);
	if (!attempt.submittedAt || !attempt.answers)
		throw new NotFoundError('This assessment has not been submitted yet.');
	const completion = await q.completionOfAttempt(db, attempt.id);
	const drawn = new Map(attempt.questions.map((d) => [d.questionId, d]));
	return {
		courseTitle: content.title,
		courseId: row.id,
		scorePercent: attempt.scorePercent ?? 0,
		passed: Boolean(attempt.passed),
		passMark: content.passMark,
		completedAt: completion?.completedAt ?? null,
		submittedAt: attempt.submittedAt,
		questions: attempt.answers.map((a, n) => {
			const d = drawn.get(a.questionId);
			const shown = d ? shownQuestion(content, d) : null;
			const display = a.chosenDisplay ?? d?.optionOrder.indexOf(a.chosenOption) ?? -1;
			return {
				number: n + 1,
				question: shown?.question ?? '',
				yourAnswer: shown?.options[display] ?? '',
				correctAnswer: shown?.options[shown.correct] ?? '',
				correct: a.correct,
				explanation: shown?.explanation ?? ''
			};
		})
	};
}
