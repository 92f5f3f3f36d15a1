import { describe, expect, it } from 'vitest';
import {
	drawAssessment,
	gradeAttempt,
	questionPool
} from '../../src/lib/server/assessment/draw.ts';
import { learnerOrder, shuffle } from '../../src/lib/server/assessment/order.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';

/** A seeded generator so draws are repeatable in tests. */
function seeded(seed: number) {
	return () => {
		seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
		return seed / 2 ** 31;
	};
}

const course = courseCatalogue().get('signs-of-abuse')!;

describe('drawing an assessment', () => {
	it('draws the configured number of distinct questions open to the audience, options shuffled', () => {
		const drawn = drawAssessment(course, 'community', seeded(1));
		expect(drawn).toHaveLength(course.assessmentQuestions);
		expect(new Set(drawn.map((d) => d.questionId)).size).toBe(drawn.length);
		for (const d of drawn) {
			const q = course.questions.get(d.questionId)!;
			expect(q.audience === 'all' || q.audience === 'community').toBe(true);
			expect([...d.optionOrder].sort()).toEqual(q.options.map((_, i) => i));
		}
		const again = drawAssessment(course, 'community', seeded(2));
		expect(again.map((d) => d.questionId)).not.toEqual(drawn.map((d) => d.questionId));
	});
	it('draws only from the assessment pool, never a lesson knowledge check', () => {
		for (const audience of ['community', 'frontline'] as const)
			for (let seed = 1; seed < 20; seed++)
				for (const d of drawAssessment(course, audience, seeded(seed)))
					expect(course.questions.get(d.questionId)!.use).toBe('assessment');
	});
	it('freezes each question as shown: text, options in display order and the right one', () => {
		for (const d of drawAssessment(course, 'frontline', seeded(4))) {
			const q = course.questions.get(d.questionId)!;
			expect(d.shown!.question).toBe(q.question);
			expect(d.shown!.options).toEqual(d.optionOrder.map((i) => q.options[i]!.text));
			expect(d.shown!.options[d.shown!.correct]).toBe(q.options[q.answer]!.text);
		}
	});
	it('spreads the right answer over every position across many draws', () => {
		const positions = new Set<number>();
		for (let seed = 1; seed < 40; seed++)
			for (const d of drawAssessment(course, 'community', seeded(seed)))
				positions.add(d.shown!.correct);
		expect(positions.size).toBeGreaterThanOrEqual(3);
	});
	it('never gives a front-line-only question to a community contact', () => {
		const pool = questionPool(course, 'community');
		expect(pool.some((q) => q.audience === 'frontline')).toBe(false);
	});
	it('shuffle keeps every item', () => {
		expect(shuffle([1, 2, 3, 4, 5], seeded(3)).sort()).toEqual([1, 2, 3, 4, 5]);
	});
});

describe('grading', () => {
	const drawn = drawAssessment(course, 'frontline', seeded(9));
	const displayOf = (wantCorrect: boolean[]) =>
		Object.fromEntries(
			drawn.map((d, i) => {
				const answer = course.questions.get(d.questionId)!.answer;
				const display = d.optionOrder.findIndex((o) =>
					wantCorrect[i] ? o === answer : o !== answer
				);
				return [d.questionId, display];
			})
		);

	it('passes at exactly the pass mark and fails just below it', () => {
		const eight = gradeAttempt(course, drawn, displayOf(drawn.map((_, i) => i < 8)));
		expect(eight).toMatchObject({ scorePercent: 80, passed: true });
		const seven = gradeAttempt(course, drawn, displayOf(drawn.map((_, i) => i < 7)));
		expect(seven).toMatchObject({ scorePercent: 70, passed: false });
		const all = gradeAttempt(course, drawn, displayOf(drawn.map(() => true)));
		expect(all).toMatchObject({ scorePercent: 100, passed: true });
	});
	it('maps display positions back to the bank options', () => {
		const result = gradeAttempt(course, drawn, displayOf(drawn.map(() => true)));
		if ('missing' in result) throw new Error('unexpected');
		for (const a of result.answers)
			expect(a.chosenOption).toBe(course.questions.get(a.questionId)!.answer);
	});
	it('grades against what was drawn, even after the content changes', () => {
		const answers = displayOf(drawn.map(() => true));
		// A later edit moves the right answer and rewrites the text; the attempt keeps what was shown.
		const edited = {
			...course,
			questions: new Map(
				[...course.questions].map(([id, q]) => [
					id,
					{ ...q, question: 'Changed', answer: (q.answer + 1) % q.options.length }
				])
			)
		};
		expect(gradeAttempt(edited, drawn, answers)).toMatchObject({ scorePercent: 100, passed: true });
	});
	it('refuses to grade until every question is answered, naming the missing ones', () => {
		const answers = displayOf(drawn.map(() => true));
		delete answers[drawn[3]!.questionId];
		answers[drawn[5]!.questionId] = 99;
		expect(gradeAttempt(course, drawn, answers)).toEqual({
			missing: [drawn[3]!.questionId, drawn[5]!.questionId]
		});
	});
});

describe("a learner's own order of choices in lessons", () => {
	it('is the same on every showing for one learner, and differs between learners', () => {
		const a = learnerOrder('3f0c2b1e-0000-4000-8000-000000000001', 'check:x:q1', 4);
		expect(learnerOrder('3f0c2b1e-0000-4000-8000-000000000001', 'check:x:q1', 4)).toEqual(a);
		expect([...a].sort()).toEqual([0, 1, 2, 3]);
		const others = Array.from({ length: 30 }, (_, i) =>
			learnerOrder(`3f0c2b1e-0000-4000-8000-${String(i).padStart(12, '0')}`, 'check:x:q1', 4).join()
		);
		expect(new Set(others).size).toBeGreaterThan(5);
		const firstPositions = new Set(others.map((o) => o.split(',')[0]));
		expect(firstPositions.size).toBe(4);
	});
});
