import type { DrawnQuestion, GradedAnswer } from '../db/schema.ts';
import type { Audience } from '../db/schema.ts';
import type { BankQuestion, CourseContent } from './content-schema.ts';

export type Random = () => number;

/** Uniform in [0, 1) from the platform CSPRNG: learners cannot predict the draw. */
export const secureRandom: Random = () => {
	const buffer = new Uint32Array(1);
	crypto.getRandomValues(buffer);
	return buffer[0]! / 2 ** 32;
};

export function shuffle<T>(items: readonly T[], random: Random): T[] {
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[out[i], out[j]] = [out[j]!, out[i]!];
	}
	return out;
}

export function questionPool(course: CourseContent, audience: Audience): BankQuestion[] {
	return [...course.questions.values()].filter((q) => q.audience === 'all' || q.audience === audience);
}

/** Draws the course's number of questions for this audience, in random order with shuffled options. */
export function drawAssessment(course: CourseContent, audience: Audience, random: Random): DrawnQuestion[] {
	return shuffle(questionPool(course, audience), random)
		.slice(0, course.assessmentQuestions)
		.map((q) => ({ questionId: q.id, optionOrder: shuffle(q.options.map((_, i) => i), random) }));
}

/**
 * Grades answers given as display positions. Every drawn question must be answered; returns the
 * names of unanswered ones otherwise.
 */
export function gradeAttempt(
	course: CourseContent,
	drawn: DrawnQuestion[],
	chosenDisplayIndex: Record<string, number | undefined>
): { missing: string[] } | { answers: GradedAnswer[]; scorePercent: number; passed: boolean } {
	const missing = drawn.filter((d) => {
		const chosen = chosenDisplayIndex[d.questionId];
		return chosen === undefined || !Number.isInteger(chosen) || chosen < 0 || chosen >= d.optionOrder.length;
	});
	if (missing.length) return { missing: missing.map((m) => m.questionId) };
	const answers = drawn.map((d) => {
		const question = course.questions.get(d.questionId);
		const chosenOption = d.optionOrder[chosenDisplayIndex[d.questionId]!]!;
		return { questionId: d.questionId, chosenOption, correct: question !== undefined && chosenOption === question.answer };
	});
	const right = answers.filter((a) => a.correct).length;
	// Whole percentages, rounded down: 79.9% does not pass an 80% mark.
	const scorePercent = Math.floor((right * 100) / answers.length);
	return { answers, scorePercent, passed: scorePercent >= course.passMark };
}
