import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import {
	assessmentAnswers,
	assessmentAttempts,
	completions,
	type DrawnQuestion,
	type GradedAnswer
} from '../db/schema.ts';

/** SQL for assessment attempts and their answers. Takes a database or a transaction; decides nothing. */

export async function lockAttemptsOf(tx: Db, userId: string, courseId: string): Promise<void> {
	await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${userId}), hashtext(${courseId}))`);
}

export async function openAttemptId(
	tx: Db,
	userId: string,
	courseId: string
): Promise<string | null> {
	const [open] = await tx
		.select({ id: assessmentAttempts.id })
		.from(assessmentAttempts)
		.where(
			and(
				eq(assessmentAttempts.userId, userId),
				eq(assessmentAttempts.courseId, courseId),
				isNull(assessmentAttempts.submittedAt)
			)
		);
	return open?.id ?? null;
}

export async function insertAttempt(
	tx: Db,
	values: {
		userId: string;
		courseId: string;
		courseVersion: string;
		questions: DrawnQuestion[];
		startedAt: Date;
	}
): Promise<string> {
	const [created] = await tx
		.insert(assessmentAttempts)
		.values(values)
		.returning({ id: assessmentAttempts.id });
	return created!.id;
}

export async function attemptOf(db: Db, attemptId: string, userId: string, courseId: string) {
	const [attempt] = await db
		.select()
		.from(assessmentAttempts)
		.where(
			and(
				eq(assessmentAttempts.id, attemptId),
				eq(assessmentAttempts.userId, userId),
				eq(assessmentAttempts.courseId, courseId)
			)
		);
	return attempt ?? null;
}

/** Locks the attempt row for the rest of the transaction; null once it has been submitted. */
export async function lockOpenAttempt(tx: Db, attemptId: string): Promise<{ id: string } | null> {
	const [row] = await tx
		.select({ id: assessmentAttempts.id })
		.from(assessmentAttempts)
		.where(and(eq(assessmentAttempts.id, attemptId), isNull(assessmentAttempts.submittedAt)))
		.for('update');
	return row ?? null;
}

/** The saved answers: question id → display index. */
export async function savedAnswers(db: Db, attemptId: string): Promise<Map<string, number>> {
	const rows = await db
		.select({ questionId: assessmentAnswers.questionId, chosen: assessmentAnswers.chosen })
		.from(assessmentAnswers)
		.where(eq(assessmentAnswers.attemptId, attemptId))
		.orderBy(asc(assessmentAnswers.questionId));
	return new Map(rows.map((r) => [r.questionId, r.chosen]));
}

/** Saves answers in one statement, replacing earlier choices for the same questions. */
export async function upsertAnswers(
	tx: Db,
	attemptId: string,
	answers: { questionId: string; chosen: number }[],
	now: Date
): Promise<void> {
	if (!answers.length) return;
	await tx
		.insert(assessmentAnswers)
		.values(
			answers.map((a) => ({
				attemptId,
				questionId: a.questionId,
				chosen: a.chosen,
				answeredAt: now
			}))
		)
		.onConflictDoUpdate({
			target: [assessmentAnswers.attemptId, assessmentAnswers.questionId],
			set: { chosen: sql`excluded.chosen`, answeredAt: sql`excluded.answered_at` }
		});
}

export async function markSubmitted(
	tx: Db,
	attemptId: string,
	result: { submittedAt: Date; answers: GradedAnswer[]; scorePercent: number; passed: boolean }
): Promise<boolean> {
	const updated = await tx
		.update(assessmentAttempts)
		.set(result)
		.where(and(eq(assessmentAttempts.id, attemptId), isNull(assessmentAttempts.submittedAt)))
		.returning({ id: assessmentAttempts.id });
	return updated.length > 0;
}

export async function insertNativeCompletion(
	tx: Db,
	values: {
		userId: string;
		courseId: string;
		courseVersion: string;
		completedAt: Date;
		attemptId: string;
		scorePercent: number;
	}
) {
	const [completion] = await tx
		.insert(completions)
		.values({ ...values, source: 'native' })
		.onConflictDoNothing()
		.returning();
	return completion ?? null;
}

export async function completionOfAttempt(db: Db, attemptId: string) {
	const [completion] = await db
		.select({ id: completions.id, completedAt: completions.completedAt })
		.from(completions)
		.where(eq(completions.attemptId, attemptId));
	return completion ?? null;
}
