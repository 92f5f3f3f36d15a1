import zlib from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { AssessmentPage, optionToChoose, readCourse, readEveryLesson } from '../support/courses.ts';
import { expectAccessible, expectNoHorizontalScroll, signInAs } from '../support/helpers.ts';
import { lessonsFor } from '../../../src/lib/server/courses/content-schema.ts';

const asb = readCourse('early-asb-intervention');
const lessonWith = (pred: (l: (typeof asb.lessons)[number]) => boolean) =>
	lessonsFor(asb, 'frontline').find(pred)!;

/** Everything the browser received: the HTML and every script. */
async function collectSent(page: Page, path: string) {
	const bodies: string[] = [];
	const scripts: { url: string; body: Buffer }[] = [];
	page.on('response', async (response) => {
		const type = response.headers()['content-type'] ?? '';
		if (type.includes('javascript'))
			scripts.push({
				url: response.url(),
				body: await response.body().catch(() => Buffer.alloc(0))
			});
	});
	await page.goto(path, { waitUntil: 'networkidle' });
	bodies.push(await page.content());
	return { html: bodies.join('\n'), scripts };
}

test('no correct answer reaches the browser before the learner submits', async ({ page }) => {
	await signInAs(page, 'peeker');
	const lesson = lessonWith((l) => l.knowledgeCheckIds.length > 0);
	const sentLesson = await collectSent(page, `/courses/${asb.slug}/lessons/${lesson.slug}`);
	const everything =
		sentLesson.html + sentLesson.scripts.map((s) => s.body.toString('utf8')).join('\n');
	for (const q of asb.questions.values())
		expect(everything, `explanation of ${q.id}`).not.toContain(q.explanation.slice(0, 60));
	expect(everything).not.toMatch(/"correct":\s*true|correct:\s*true|questions\.yaml/);

	// The assessment page too: questions and options, nothing about which option is right.
	await page.goto(`/courses/${asb.slug}/lessons/${lessonsFor(asb, 'frontline')[0]!.slug}`);
	await readEveryLesson(page);
	await page.getByRole('button', { name: /Mark as done/ }).click();
	await page.waitForURL((url) => url.pathname === `/courses/${asb.slug}`);
	await page.getByRole('button', { name: 'Start the assessment' }).click();
	await page.waitForURL(/\/assessment\//);
	const sentAssessment = await collectSent(page, new URL(page.url()).pathname);
	const all =
		sentAssessment.html + sentAssessment.scripts.map((s) => s.body.toString('utf8')).join('\n');
	for (const q of asb.questions.values())
		expect(all, `explanation of ${q.id}`).not.toContain(q.explanation.slice(0, 60));
	expect(all).not.toMatch(/"correct":\s*true|"answer":\s*\d|optionOrder/);
});

test('a lesson page ships under 80 KB of gzipped JavaScript', async ({ page }) => {
	await signInAs(page, 'peeker');
	const lesson = lessonWith((l) => l.scenarioIds.length > 0 && l.knowledgeCheckIds.length > 0);
	const context = page.context();
	const fresh = await context.newPage(); // nothing cached from other pages in this tab
	const sent = await collectSent(fresh, `/courses/${asb.slug}/lessons/${lesson.slug}`);
	const gzipped = sent.scripts.reduce(
		(sum, s) => sum + zlib.gzipSync(s.body, { level: 9 }).byteLength,
		0
	);
	console.log(
		`lesson page JavaScript: ${sent.scripts.length} files, ${(gzipped / 1024).toFixed(1)} KB gzipped`
	);
	expect(gzipped).toBeLessThan(80 * 1024);
});

test('lesson components work: knowledge check, branching scenario, glossary term, who to contact', async ({
	page
}) => {
	await signInAs(page, 'peeker');
	const lesson = lessonWith((l) => l.scenarioIds.length > 0 && l.knowledgeCheckIds.length > 0);
	await page.goto(`/courses/${asb.slug}/lessons/${lesson.slug}`);

	// Knowledge check, graded on the server, feedback focused.
	const qid = lesson.knowledgeCheckIds[0]!;
	const question = asb.questions.get(qid)!;
	const check = page.locator(`#check-${qid}`);
	await check.getByRole('button', { name: 'Check answer' }).click();
	await expect(check.getByText('Choose an answer')).toBeVisible();
	await check.getByLabel(optionToChoose(asb, question.question, false), { exact: true }).check();
	await check.getByRole('button', { name: 'Check answer' }).click();
	await expect(check.getByRole('status')).toContainText('Not quite.');
	await expect(check.getByRole('status')).toContainText(question.explanation.slice(0, 40));
	await expect(check.getByRole('status')).toBeFocused();
	await expectAccessible(page);

	// Scenario: choose, read feedback, continue to the debrief.
	const scenario = asb.scenarios.get(lesson.scenarioIds[0]!)!;
	const region = page.getByRole('region', { name: scenario.title });
	let step = scenario.steps[scenario.start]!;
	for (let i = 0; i < 10; i++) {
		const choice = step.choices[0]!;
		await region.getByRole('button', { name: choice.text }).click();
		await expect(region.getByRole('status')).toContainText(choice.feedback.slice(0, 40));
		if (!choice.next) break;
		await region.getByRole('button', { name: 'Continue' }).click();
		step = scenario.steps[choice.next]!;
	}
	await region.getByRole('button', { name: 'See the debrief' }).click();
	await expect(region.getByRole('heading', { name: 'Debrief' })).toBeVisible();
	await expectAccessible(page);

	// Glossary term, by keyboard.
	const termLesson = lessonWith((l) => /<Term /.test(l.body));
	// The toggle needs the page's scripts: a key pressed before hydration would do nothing.
	await page.goto(`/courses/${asb.slug}/lessons/${termLesson.slug}`, { waitUntil: 'networkidle' });
	const toggle = page.getByRole('button', { name: 'What this means' }).first();
	await expect(toggle).toHaveAttribute('aria-expanded', 'false');
	// Inline text with a small marker, not a full-size button block.
	const box = (await toggle.boundingBox())!;
	expect(box.width).toBeLessThanOrEqual(32);
	expect(box.height).toBeLessThanOrEqual(32);
	await toggle.focus();
	await page.keyboard.press('Enter');
	await expect(toggle).toHaveAttribute('aria-expanded', 'true');
	await expect(page.locator('.term-definition').first()).toBeVisible();

	// Who to contact: the local contacts come from the partnership data.
	const contactLesson = lessonWith((l) => /<WhoToContact topic="hate-crime"/.test(l.body));
	await page.goto(`/courses/${asb.slug}/lessons/${contactLesson.slug}`);
	const card = page
		.getByRole('region', { name: 'Who to contact' })
		.filter({ hasText: 'West Yorkshire Police (non-emergency)' });
	await expect(card.getByRole('heading', { name: 'In your area' })).toBeVisible();
	await expect(card.getByRole('link', { name: '101' })).toHaveAttribute('href', 'tel:101');
	await expectAccessible(page);
});

test('without JavaScript a knowledge check still posts and shows its feedback; scenarios list every choice', async ({
	browser
}) => {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await page.goto('/sign-in');
	await page.getByLabel('Email address').fill('peeker@e2e.example');
	await page.getByLabel('Password', { exact: true }).fill('e2e passphrase for testing');
	await page.getByRole('button', { name: 'Sign in' }).click();
	const lesson = lessonWith((l) => l.scenarioIds.length > 0 && l.knowledgeCheckIds.length > 0);
	await page.goto(`/courses/${asb.slug}/lessons/${lesson.slug}`);
	const qid = lesson.knowledgeCheckIds[0]!;
	const question = asb.questions.get(qid)!;
	await page
		.locator(`#check-${qid}`)
		.getByLabel(optionToChoose(asb, question.question, true), { exact: true })
		.check();
	await page.locator(`#check-${qid}`).getByRole('button', { name: 'Check answer' }).click();
	await expect(page.locator(`#check-${qid}`).getByRole('status')).toContainText('Correct.');
	const scenario = asb.scenarios.get(lesson.scenarioIds[0]!)!;
	await expect(page.getByText(scenario.steps[scenario.start]!.choices[0]!.text)).toBeVisible();
	await context.close();
});

test('lessons work at 320px, with reduced motion, and print without navigation', async ({
	browser
}) => {
	const context = await browser.newContext({
		viewport: { width: 320, height: 640 },
		reducedMotion: 'reduce'
	});
	const page = await context.newPage();
	await signInAs(page, 'peeker');
	for (const lesson of lessonsFor(asb, 'frontline').slice(0, 4)) {
		await page.goto(`/courses/${asb.slug}/lessons/${lesson.slug}`);
		await expectNoHorizontalScroll(page);
	}
	await page.goto(`/courses/${asb.slug}`);
	await expectNoHorizontalScroll(page);
	await expectAccessible(page);
	await page.emulateMedia({ media: 'print' });
	await page.goto(`/courses/${asb.slug}/lessons/${lessonsFor(asb, 'frontline')[0]!.slug}`);
	await expect(page.getByRole('navigation', { name: 'Lessons' })).toBeHidden();
	await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
	await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
	await context.close();
});

test('a community contact completes a course using only the keyboard', async ({ page }) => {
	test.setTimeout(180_000);
	const course = readCourse('community-resolution');
	await signInAs(page, 'keyboardUser');
	await page.goto(`/courses/${course.slug}`);
	/** Tab (never the mouse) until the element has focus, then press the key. */
	const tabTo = async (locator: ReturnType<Page['locator']>, key = 'Enter') => {
		for (let i = 0; i < 300; i++) {
			if (await locator.evaluate((el) => el === document.activeElement))
				return page.keyboard.press(key);
			await page.keyboard.press('Tab');
		}
		throw new Error('could not reach the element by Tab');
	};
	await tabTo(page.getByRole('link', { name: 'Start the course' }));
	await page.waitForURL(/\/lessons\//);
	for (;;) {
		const next = page.getByRole('button', { name: /^Next lesson/ });
		if ((await next.count()) === 0) break;
		const before = page.url();
		await tabTo(next);
		await page.waitForURL((url) => url.href !== before);
	}
	await tabTo(page.getByRole('button', { name: /Mark as done/ }));
	await page.waitForURL((url) => url.pathname === `/courses/${course.slug}`);
	await tabTo(page.getByRole('button', { name: 'Start the assessment' }));
	await page.waitForURL(/\/assessment\//);
	const assessment = new AssessmentPage(page, course);
	// One question per screen: choose with the arrow keys, then "Save and continue" by keyboard.
	for (let n = 1; n <= course.assessmentQuestions; n++) {
		const fieldset = assessment.question();
		await expect(fieldset.locator('legend')).toContainText(`Question ${n}`);
		const legend = (await fieldset.locator('legend').innerText()).replace(/^Question \d+\s*/, '');
		const target = fieldset.getByLabel(optionToChoose(course, legend, true), { exact: true });
		// Tab reaches the first radio of the group; arrow keys move the choice to the right one.
		await tabTo(fieldset.getByRole('radio').first(), 'Space');
		const labels = await fieldset
			.getByRole('radio')
			.evaluateAll((els) =>
				els.map((el) => (el as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? '')
			);
		const want = labels.indexOf(
			(await target.evaluate((el) => (el as HTMLInputElement).labels?.[0]?.textContent?.trim())) ??
				''
		);
		for (let k = 0; k < want; k++) await page.keyboard.press('ArrowDown');
		await expect(target).toBeChecked();
		await tabTo(page.getByRole('button', { name: /^Save and (continue|check your answers)$/ }));
		await page.waitForURL(
			n < course.assessmentQuestions ? new RegExp(`\\?q=${n + 1}$`) : /\/check$/
		);
	}
	await tabTo(page.getByRole('button', { name: 'Submit my answers' }));
	await expect(page.getByRole('heading', { level: 1, name: 'You passed: 100%' })).toBeVisible();
});
