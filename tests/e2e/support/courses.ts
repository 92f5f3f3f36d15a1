import fs from 'node:fs';
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import {
	buildCourse,
	lessonsFor,
	type CourseContent
} from '../../../src/lib/server/courses/content-schema.ts';
import { expectAccessible } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The course as written, read from disk: the test knows the answers; the browser never does. */
export function readCourse(slug: string): CourseContent {
	const dir = path.join(ROOT, 'content/courses', slug);
	const read = (rel: string) => ({
		path: `content/courses/${slug}/${rel}`,
		text: fs.readFileSync(path.join(dir, rel), 'utf8')
	});
	const built = buildCourse({
		slug,
		course: read('course.yaml'),
		checks: read('checks.yaml'),
		assessment: read('assessment.yaml'),
		scenarios: fs.existsSync(path.join(dir, 'scenarios.yaml')) ? read('scenarios.yaml') : undefined,
		lessons: fs.readdirSync(path.join(dir, 'lessons')).map((f) => read(`lessons/${f}`))
	});
	if (!built.course) throw new Error(built.problems.join('\n'));
	return built.course;
}

/** For a rendered question, the option text to choose: the right one, or any wrong one. */
export function optionToChoose(
	course: CourseContent,
	questionText: string,
	right: boolean
): string {
	const q = [...course.questions.values()].find((b) => questionText.includes(b.question.trim()));
	if (!q) throw new Error(`question not in bank: ${questionText}`);
	return right
		? q.options[q.answer]!.text.trim()
		: q.options.find((_, i) => i !== q.answer)!.text.trim();
}

/** The final assessment as a learner takes it: one question per screen, then "Check your answers". */
export class AssessmentPage {
	constructor(
		readonly page: Page,
		readonly course: CourseContent
	) {}
	question(): Locator {
		return this.page.locator('fieldset.question');
	}
	/** Answers the question on screen (right or wrong) without moving on; the page saves it at once. */
	async answerShown(right: boolean) {
		const legend = (await this.question().locator('legend').innerText()).replace(
			/^Question \d+\s*/,
			''
		);
		await this.question()
			.getByLabel(optionToChoose(this.course, legend, right), { exact: true })
			.check();
	}
	async saveAndContinue() {
		await this.page
			.getByRole('button', { name: /^Save and (continue|check your answers)$/ })
			.click();
	}
	/** Answers every question from the current one to the last, reaching "Check your answers". */
	async answerAll(right: boolean) {
		await expect(
			this.page.getByRole('heading', { level: 1, name: /^Final assessment/ })
		).toBeVisible();
		const total = this.course.assessmentQuestions;
		let n = Number(
			/Question (\d+)/.exec(
				(await this.question().locator('legend .question-number').textContent())!
			)![1]
		);
		for (; n <= total; n++) {
			await this.answerShown(right);
			await this.saveAndContinue();
			// Wait for the next screen itself, not just an address that already matches.
			if (n < total)
				await expect(this.question().locator('legend')).toContainText(`Question ${n + 1} `);
		}
		await expect(
			this.page.getByRole('heading', { level: 1, name: 'Check your answers' })
		).toBeVisible();
	}
	async submit() {
		await this.page.getByRole('button', { name: 'Submit my answers' }).click();
	}
}

/** Reads every lesson on the path from the first, moving on with "Next lesson" (a POST), checking each page with axe; returns the titles. */
export async function readEveryLesson(page: Page): Promise<string[]> {
	const titles: string[] = [];
	await page.waitForURL(/\/lessons\//);
	for (;;) {
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		titles.push(await page.getByRole('heading', { level: 1 }).innerText());
		await expectAccessible(page);
		const next = page.getByRole('button', { name: /^Next lesson/ });
		if ((await next.count()) === 0) break;
		const before = page.url();
		await next.click();
		await page.waitForURL((url) => url.href !== before);
	}
	return titles;
}

/**
 * Answers whatever the assessment shows, rightly, screen by screen, until the result page: works
 * whether the questions come on one screen or several.
 */
export async function answerAssessmentRightly(
	page: Page,
	course: CourseContent,
	attemptId: string
) {
	// Opens at the first unanswered question; one question per screen, then "Check your answers".
	await page.goto(`/courses/${course.slug}/assessment/${attemptId}`);
	const assessment = new AssessmentPage(page, course);
	await assessment.answerAll(true);
	await assessment.submit();
	await page.waitForURL(/\/result$/);
}

/** Finishes every lesson by POST (as "Next lesson" does) and starts the assessment; returns its id. */
export async function finishLessonsAndStart(
	page: Page,
	course: CourseContent,
	audience: 'frontline' | 'community',
	origin: string
): Promise<string> {
	const form = { headers: { origin, accept: 'text/html' }, maxRedirects: 0, form: { x: '1' } };
	for (const l of lessonsFor(course, audience)) {
		const res = await page.request.post(`/courses/${course.slug}/lessons/${l.slug}?/done`, form);
		expect(res.status(), await res.text()).toBe(303);
	}
	const start = await page.request.post(`/courses/${course.slug}?/start`, form);
	return /assessment\/([0-9a-f-]{36})/.exec(start.headers()['location'] ?? '')![1]!;
}
