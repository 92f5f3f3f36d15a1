import type { Audience, DrawnQuestion, GradedAnswer } from '../db/schema.ts';
import type { BankQuestion, CourseContent } from '../courses/content-schema.ts';
import { shuffle, type Random } from './order.ts';

/** The assessment pool open to an audience: assessment.yaml only, never a lesson's knowledge check. */
export function questionPool(course: CourseContent, audience: Audience): BankQuestion[] {
	return [...course.questions.values()].filter(
		(q) => q.use === 'assessment' && (q.audience === 'all' || q.audience === audience)
	);
}

/**
 * Draws the course's number of questions for this audience, in random order with shuffled options,
 * and freezes each as shown: text, options in display order, the right one and the explanation.
 */
export function drawAssessment(
	course: CourseContent,
	audience: Audience,
	random: Random
): DrawnQuestion[] {
	return shuffle(questionPool(course, audience), random)
		.slice(0, course.assessmentQuestions)
		.map((q) => {
			const optionOrder = shuffle(
				q.options.map((_, i) => i),
				random
			);
			return {
				questionId: q.id,
				optionOrder,
				shown: {
					question: q.question,
					options: optionOrder.map((i) => q.options[i]!.text),
					correct: optionOrder.indexOf(q.answer),
					explanation: q.explanation,
					kind: q.kind
				}
			};
		});
}

/**
 * What was shown for a drawn question. Attempts drawn before questions were frozen fall back to
 * the current content through their stored option order.
 */
export function shownQuestion(course: CourseContent, drawn: DrawnQuestion) {
	if (drawn.shown) return drawn.shown;
	const q = course.questions.get(drawn.questionId);
	return {
		question: q?.question ?? 'This question is no longer in the course.',
		options: drawn.optionOrder.map((i) => q?.options[i]?.text ?? ''),
		correct: q ? drawn.optionOrder.indexOf(q.answer) : -1,
		explanation: q?.explanation ?? '',
		kind: q?.kind ?? null
	};
}

/**
 * Grades answers given as display positions against what was drawn. Every drawn question must be
 * answered; returns the ids of unanswered ones otherwise.
 */
export function gradeAttempt(
	course: CourseContent,
	drawn: DrawnQuestion[],
	chosenDisplayIndex: Record<string, number | undefined>
): { missing: string[] } | { answers: GradedAnswer[]; scorePercent: number; passed: boolean } {
	const missing = drawn.filter((d) => {
		const chosen = chosenDisplayIndex[d.questionId];
		return (
			chosen === undefined ||
			!Number.isInteger(chosen) ||
			chosen < 0 ||
			chosen >= d.optionOrder.length
		);
	});
	if (missing.length) return { missing: missing.map((m) => m.questionId) };
	const answers = drawn.map((d) => {
		const display = chosenDisplayIndex[d.questionId]!;
		return {
			questionId: d.questionId,
			chosenOption: d.optionOrder[display]!,
			chosenDisplay: display,
			correct: display === shownQuestion(course, d).correct
		};
	});
	const right = answers.filter((a) => a.correct).length;
	// Whole percentages, rounded down: 79.9% does not pass an 80% mark.
	const scorePercent = Math.floor((right * 100) / answers.length);
	return { answers, scorePercent, passed: scorePercent >= course.passMark };
}
