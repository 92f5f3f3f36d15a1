import fs from 'node:fs';
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { buildCourse, type CourseContent } from '../../../src/lib/server/courses/content-schema.ts';
import { expectAccessible } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The course as written, read from disk: the test knows the answers; the browser never does. */
export function readCourse(slug: string): CourseContent {
	const dir = path.join(ROOT, 'content/courses', slug);
	const read = (rel: string) => ({ path: `content/courses/${slug}/${rel}`, text: fs.readFileSync(path.join(dir, rel), 'utf8') });
	const built = buildCourse({
		slug,
		course: read('course.yaml'),
		questions: read('questions.yaml'),
		scenarios: fs.existsSync(path.join(dir, 'scenarios.yaml')) ? read('scenarios.yaml') : undefined,
		lessons: fs.readdirSync(path.join(dir, 'lessons')).map((f) => read(`lessons/${f}`))
	});
	if (!built.course) throw new Error(built.problems.join('\n'));
	return built.course;
}

/** For a rendered question, the option text to choose: the right one, or any wrong one. */
export function optionToChoose(course: CourseContent, questionText: string, right: boolean): string {
	const q = [...course.questions.values()].find((b) => questionText.includes(b.question.trim()));
	if (!q) throw new Error(`question not in bank: ${questionText}`);
	return right ? q.options[q.answer]!.text.trim() : q.options.find((_, i) => i !== q.answer)!.text.trim();
}

export class AssessmentPage {
	constructor(
		readonly page: Page,
		readonly course: CourseContent
	) {}
	questions(): Locator {
		return this.page.locator('fieldset.question');
	}
	async answerAll(right: boolean) {
		await expect(this.page.getByRole('heading', { level: 1, name: /^Final assessment/ })).toBeVisible();
		const count = await this.questions().count();
		expect(count).toBe(this.course.assessmentQuestions);
		for (let i = 0; i < count; i++) {
			const fieldset = this.questions().nth(i);
			const legend = (await fieldset.locator('legend').innerText()).replace(/^Question \d+ of \d+\s*/, '');
			await fieldset.getByLabel(optionToChoose(this.course, legend, right), { exact: true }).check();
		}
	}
	async submit() {
		await this.page.getByRole('button', { name: 'Submit my answers' }).click();
	}
}

/** Opens every lesson on the path from the first, checking each page with axe; returns the titles. */
export async function readEveryLesson(page: Page): Promise<string[]> {
	const titles: string[] = [];
	await page.waitForURL(/\/lessons\//);
	for (;;) {
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		titles.push(await page.getByRole('heading', { level: 1 }).innerText());
		await expectAccessible(page);
		const next = page.getByRole('link', { name: /^Next lesson/ });
		if ((await next.count()) === 0) break;
		const href = (await next.getAttribute('href'))!;
		await next.click();
		await page.waitForURL((url) => url.pathname === href);
	}
	return titles;
}
