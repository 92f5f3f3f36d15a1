import fs from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import type {
	BankQuestion,
	CourseContent,
	Scenario
} from '../../src/lib/server/courses/content-schema.ts';

/**
 * A completion stands as evidence only if the assessment measures the learner, not the layout:
 * these tests fail, naming the file and the question or step, when the bank gives the answer away.
 */
const catalogue = courseCatalogue();
const MAX_LONGEST_SHARE = 0.35;
const POOL_FACTOR = 2.5;
const MIN_APPLICATION_SHARE = 0.6;

function strictlyLongest(texts: string[], index: number): boolean {
	const length = texts[index]!.trim().length;
	return texts.every((t, i) => i === index || t.trim().length < length);
}

const RATING_ORDER = { good: 2, mixed: 1, poor: 0 } as const;

/** The steps whose best-rated choice is strictly the longest text. */
function scenarioTells(scenario: Scenario): string[] {
	const tells: string[] = [];
	for (const [stepId, step] of Object.entries(scenario.steps)) {
		const best = Math.max(...step.choices.map((c) => RATING_ORDER[c.rating]));
		const texts = step.choices.map((c) => c.text);
		if (step.choices.some((c, i) => RATING_ORDER[c.rating] === best && strictlyLongest(texts, i)))
			tells.push(`${scenario.id}/${stepId}`);
	}
	return tells;
}

function assessmentPool(course: CourseContent, audience: string): BankQuestion[] {
	return [...course.questions.values()].filter(
		(q) => q.use === 'assessment' && (q.audience === 'all' || q.audience === audience)
	);
}

describe('the assessment measures the learner, not the layout', () => {
	for (const course of catalogue.values()) {
		describe(course.slug, () => {
			const bank = `content/courses/${course.slug}`;
			it(`the correct option is strictly the longest in at most ${MAX_LONGEST_SHARE * 100}% of questions`, () => {
				const questions = [...course.questions.values()];
				const tells = questions.filter((q) =>
					strictlyLongest(
						q.options.map((o) => o.text),
						q.answer
					)
				);
				const share = tells.length / questions.length;
				console.log(
					`${course.slug}: correct option strictly longest in ${tells.length}/${questions.length} questions`
				);
				expect(
					share,
					`${bank}/{checks,assessment}.yaml: the right answer is the longest in ${tells.length} of ${questions.length}: ${tells.map((q) => `${q.use === 'check' ? 'checks' : 'assessment'}.yaml ${q.id}`).join(', ')}`
				).toBeLessThanOrEqual(MAX_LONGEST_SHARE);
			});
			it(`the best scenario choice is strictly the longest in at most ${MAX_LONGEST_SHARE * 100}% of steps`, () => {
				const steps = [...course.scenarios.values()].flatMap((s) => Object.keys(s.steps));
				const tells = [...course.scenarios.values()].flatMap(scenarioTells);
				console.log(
					`${course.slug}: best scenario choice strictly longest in ${tells.length}/${steps.length} steps`
				);
				expect(
					tells.length / steps.length,
					`${bank}/scenarios.yaml: best choice is the longest in ${tells.join(', ')}`
				).toBeLessThanOrEqual(MAX_LONGEST_SHARE);
			});
			for (const audience of course.audiences) {
				it(`the ${audience} assessment pool holds at least ${POOL_FACTOR} times the questions drawn`, () => {
					const pool = assessmentPool(course, audience);
					console.log(
						`${course.slug}: ${audience} pool ${pool.length} for ${course.assessmentQuestions} drawn`
					);
					expect(pool.length, `${bank}/assessment.yaml: ${audience} pool`).toBeGreaterThanOrEqual(
						Math.ceil(POOL_FACTOR * course.assessmentQuestions)
					);
				});
				it(`at least ${MIN_APPLICATION_SHARE * 100}% of the ${audience} assessment pool are application questions`, () => {
					const pool = assessmentPool(course, audience);
					const untagged = pool.filter((q) => !q.kind).map((q) => q.id);
					expect(
						untagged,
						`${bank}/assessment.yaml: questions without kind: application or recall`
					).toEqual([]);
					const application = pool.filter((q) => q.kind === 'application').length;
					console.log(`${course.slug}: ${audience} pool ${application}/${pool.length} application`);
					expect(
						application / pool.length,
						`${bank}/assessment.yaml: ${audience} application share`
					).toBeGreaterThanOrEqual(MIN_APPLICATION_SHARE);
				});
			}
			it('no assessment question is also a knowledge check', () => {
				const inLessons = new Set(course.lessons.flatMap((l) => l.knowledgeCheckIds));
				const leaked = [...course.questions.values()]
					.filter((q) => q.use === 'assessment' && inLessons.has(q.id))
					.map((q) => q.id);
				expect(leaked).toEqual([]);
			});
		});
	}
});

interface AllowedDomain {
	domain: string;
	reason: string;
}
const allowed = parse(fs.readFileSync('content/source-domains.yaml', 'utf8')) as AllowedDomain[];

export function isAllowedSource(url: string): boolean {
	const host = new URL(url).hostname.toLowerCase();
	return allowed.some(({ domain }) => host === domain || host.endsWith(`.${domain}`));
}

describe('sources are primary or the organisations’ own pages', () => {
	it('every allowed domain says why', () => {
		for (const entry of allowed) expect(entry.reason, entry.domain).toMatch(/\w{3,}/);
	});
	it('rejects document-copy sites and look-alikes, accepts official ones', () => {
		expect(isAllowedSource('https://www.legislation.gov.uk/ukpga/2014/12/section/104')).toBe(true);
		expect(isAllowedSource('https://www.college.police.uk/app')).toBe(true);
		for (const bad of [
			'https://www.readkong.com/page/x',
			'https://vdocuments.mx/x',
			'https://kiwix.example/wiki',
			'https://gov.uk.example.com/',
			'https://legislation-gov.uk/'
		])
			expect(isAllowedSource(bad), bad).toBe(false);
	});
	for (const course of catalogue.values())
		it(`${course.slug}: every link in every lesson is on an allowed domain`, () => {
			const offending: string[] = [];
			for (const lesson of course.lessons)
				for (const m of lesson.body.matchAll(/https?:\/\/[^\s)"'<>\]]+/g)) {
					const url = m[0].replace(/[.,;:]+$/, '');
					if (!isAllowedSource(url)) offending.push(`${lesson.file}: ${url}`);
				}
			expect(offending, 'links outside content/source-domains.yaml').toEqual([]);
		});
});
