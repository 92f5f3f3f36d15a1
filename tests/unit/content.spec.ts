import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import {
	buildCourse,
	groupCourseFiles,
	lessonsFor,
	type CourseFiles
} from '../../src/lib/server/courses/content-schema.ts';
import { fleschReadingEase, plainText } from '../helpers/readability.ts';

const catalogue = courseCatalogue();
const REQUIRED = ['early-asb-intervention', 'community-resolution', 'signs-of-abuse'];

describe('course content', () => {
	it('has the three built-in courses, all valid', () => {
		expect([...catalogue.keys()].sort()).toEqual([...REQUIRED].sort());
	});

	for (const slug of REQUIRED) {
		describe(slug, () => {
			const course = catalogue.get(slug)!;
			it('meets the minimums: 6+ lessons on each path, 3+ scenarios, 25+ assessment questions, 10+ question assessment at 80%', () => {
				for (const audience of course.audiences) {
					const content = lessonsFor(course, audience).filter((l) => l.kind === 'lesson');
					expect(content.length, `${audience} lessons`).toBeGreaterThanOrEqual(6);
				}
				expect(course.scenarios.size).toBeGreaterThanOrEqual(3);
				expect(
					[...course.questions.values()].filter((q) => q.use === 'assessment').length
				).toBeGreaterThanOrEqual(25);
				expect(course.assessmentQuestions).toBeGreaterThanOrEqual(10);
				expect(course.passMark).toBe(80);
				expect(course.audiences.sort()).toEqual(['community', 'frontline']);
			});
			it('ends with a sources page that cites legislation.gov.uk or gov.uk', () => {
				const last = course.lessons[course.lessons.length - 1]!;
				expect(last.kind).toBe('sources');
				expect(last.body).toMatch(/legislation\.gov\.uk|gov\.uk/);
			});
			it('places every scenario in a lesson, and has a content note and support lines', () => {
				const placed = new Set(course.lessons.flatMap((l) => l.scenarioIds));
				expect([...course.scenarios.keys()].filter((id) => !placed.has(id))).toEqual([]);
				expect(course.contentNote).toBeTruthy();
				expect(course.lessons.some((l) => /<WhoToContact|kind="support"/.test(l.body))).toBe(true);
			});
			it('does not teach a Bill as if it were law', () => {
				// The sources page may cite Bill committee debates; teaching pages must say a Bill is not law.
				for (const lesson of course.lessons.filter((l) => l.kind === 'lesson')) {
					for (const m of lesson.body.matchAll(/[^.\n]*\bBill\b(?! Committee)[^.\n]*/g)) {
						// Every sentence naming a Bill must say it is not (yet) law or only proposed.
						const around = lesson.body.slice(
							Math.max(0, m.index! - 300),
							m.index! + m[0].length + 300
						);
						expect(around, `${lesson.file}: "${m[0].trim()}"`).toMatch(
							/not (yet )?(the )?law|not law|proposed|would|if it (becomes|is passed)|before Parliament|has not|is a Bill/i
						);
					}
				}
			});
			it('reads easily: Flesch reading ease of 60+ for every lesson community contacts take', () => {
				const scores = lessonsFor(course, 'community')
					.filter((l) => l.kind === 'lesson')
					.map((l) => ({ file: l.file, score: Math.round(fleschReadingEase(plainText(l.body))) }));
				console.log(
					`${slug} community path Flesch: ${scores.map((s) => s.score).join(', ')} (lowest ${Math.min(...scores.map((s) => s.score))})`
				);
				for (const s of scores) expect(s.score, s.file).toBeGreaterThanOrEqual(60);
			});
		});
	}
});

describe('content validation names the file for each problem', () => {
	const base = (): CourseFiles => {
		const dir = path.resolve('content/courses/community-resolution');
		const read = (rel: string) => ({
			path: `content/courses/community-resolution/${rel}`,
			text: fs.readFileSync(path.join(dir, rel), 'utf8')
		});
		return {
			slug: 'community-resolution',
			course: read('course.yaml'),
			checks: read('checks.yaml'),
			assessment: read('assessment.yaml'),
			scenarios: read('scenarios.yaml'),
			lessons: fs.readdirSync(path.join(dir, 'lessons')).map((f) => read(`lessons/${f}`))
		};
	};

	it('accepts the real course', () => {
		expect(buildCourse(base()).problems).toEqual([]);
	});
	it('reports a question without exactly one right answer, or with an empty explanation', () => {
		const files = base();
		files.checks = {
			path: files.checks!.path,
			text: `- id: two-right\n  question: Which?\n  options:\n    - text: A\n      correct: true\n    - text: B\n      correct: true\n  explanation: Because.\n- id: no-why\n  question: Which?\n  options:\n    - text: A\n      correct: true\n    - text: B\n  explanation: ""\n`
		};
		const problems = buildCourse(files).problems.join('\n');
		expect(problems).toContain(
			'content/courses/community-resolution/checks.yaml: question two-right: must have exactly one correct option (has 2)'
		);
		expect(problems).toMatch(/checks\.yaml: question no-why: explanation: must not be empty/);
		expect(problems).toMatch(
			/lessons\/\d+-[a-z-]+\.svx: KnowledgeCheck id "[a-z0-9-]+" is not in checks\.yaml/
		);
	});
	it('keeps the two pools apart: a lesson may not show an assessment question, and the old single bank is refused', () => {
		const files = base();
		const assessmentId = /- id: (\S+)/.exec(files.assessment!.text)![1]!;
		files.lessons[0] = {
			...files.lessons[0]!,
			text: `${files.lessons[0]!.text}\n<KnowledgeCheck id="${assessmentId}" />\n`
		};
		files.questions = { path: 'content/courses/community-resolution/questions.yaml', text: '[]' };
		const problems = buildCourse(files).problems.join('\n');
		expect(problems).toContain(
			`KnowledgeCheck id "${assessmentId}" is an assessment question; knowledge checks come from checks.yaml`
		);
		expect(problems).toContain('questions.yaml: split it into checks.yaml');
	});
	it('reports invalid metadata and a scenario step that leads nowhere', () => {
		const files = base();
		files.course = {
			path: files.course!.path,
			text: 'slug: community-resolution\ntitle: ""\npassMark: 180\n'
		};
		files.scenarios = {
			path: files.scenarios!.path,
			text: '- id: lost\n  title: Lost\n  start: a\n  steps:\n    a:\n      text: Hi\n      choices:\n        - text: Go\n          feedback: Ok\n          rating: good\n          next: nowhere\n        - text: Stay\n          feedback: Ok\n          rating: poor\n    orphan:\n      text: Never\n      choices:\n        - text: x\n          feedback: y\n          rating: good\n        - text: x\n          feedback: y\n          rating: good\n  debrief: Done\n'
		};
		const problems = buildCourse(files).problems.join('\n');
		expect(problems).toMatch(/course\.yaml: .*title: must not be empty/);
		expect(problems).toMatch(/course\.yaml: .*passMark/);
		expect(problems).toContain(
			'scenarios.yaml: scenario lost: step a leads to "nowhere", which is not a step'
		);
		expect(problems).toContain(
			'scenarios.yaml: scenario lost: step orphan cannot be reached from the start'
		);
	});
	it('groups globbed files by course folder', () => {
		const groups = groupCourseFiles({
			'/content/courses/a/course.yaml': 'x',
			'/content/courses/a/lessons/01-b.svx': 'y',
			'/content/README.md': 'z'
		});
		expect(groups).toEqual([
			{
				slug: 'a',
				course: { path: 'content/courses/a/course.yaml', text: 'x' },
				lessons: [{ path: 'content/courses/a/lessons/01-b.svx', text: 'y' }]
			}
		]);
	});
});
