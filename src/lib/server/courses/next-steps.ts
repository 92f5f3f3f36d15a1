import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { certificates, completions } from '../db/schema.ts';
import { lessonsFor } from './content-schema.ts';
import { myLearning, openCourse } from './service.ts';

/** A question's topic: its id without the trailing number ("cr-denial-2" → "cr-denial"). */
const topicOf = (questionId: string) => questionId.replace(/-\d+$/, '');

/**
 * What a result page offers after an assessment. A pass: the certificate issued for it (download
 * and the public verify link) and the learner's next required course. A fail: the lessons to
 * revisit, found from the questions missed (each question's topic is taught in the lesson whose
 * knowledge check shares it).
 */
export async function resultNextSteps(
	db: Db,
	learner: AuthUser,
	slug: string,
	attempt: { attemptId: string; passed: boolean; missedQuestions: string[] },
	now = new Date()
) {
	const { content, path } = await openCourse(db, learner, slug);
	if (attempt.passed) {
		const [cert] = await db
			.select({ code: certificates.code, expiresAt: certificates.expiresAt })
			.from(certificates)
			.innerJoin(completions, eq(completions.id, certificates.completionId))
			.where(and(eq(completions.attemptId, attempt.attemptId), eq(completions.userId, learner.id)));
		const learning = await myLearning(db, learner, now);
		const next = learning.required.find((c) => c.slug !== slug) ?? null;
		return {
			certificate: cert ? { code: cert.code, expiresAt: cert.expiresAt } : null,
			nextRequired: next
				? {
						title: next.title,
						href: next.href,
						dueAt: next.dueAt,
						trackingStatus: next.trackingStatus
					}
				: null,
			revisit: []
		};
	}
	const missedIds = new Set(
		[...content.questions.values()]
			.filter((q) => attempt.missedQuestions.includes(q.question))
			.map((q) => topicOf(q.id))
	);
	const revisit = path
		.filter((l) => l.knowledgeCheckIds.some((id) => missedIds.has(topicOf(id))))
		.map((l) => ({
			slug: l.slug,
			title: l.title,
			position: lessonsFor(content, learner.audience).indexOf(l) + 1
		}));
	return { certificate: null, nextRequired: null, revisit };
}
