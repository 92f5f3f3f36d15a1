import { expect, test, type Page } from '@playwright/test';
import { AssessmentPage, readCourse } from '../support/courses.ts';
import { expectAccessible, expectNoHorizontalScroll, signInAs } from '../support/helpers.ts';

/**
 * An officer called away mid-assessment loses nothing: each answer is saved as it is chosen, and
 * the attempt resumes where it was after a reload or a sign-out.
 */
const SLUG = 'community-resolution';
const course = readCourse(SLUG);

/** Accessible and without sideways scroll on a 320 px phone, then back to the desktop. */
async function atPhoneWidth(page: Page) {
	const desktop = page.viewportSize()!;
	await page.setViewportSize({ width: 320, height: 640 });
	await expectAccessible(page);
	await expectNoHorizontalScroll(page);
	await page.setViewportSize(desktop);
}

/** These learners' lessons are already done (global-setup); the journey under test starts here. */
async function startAssessment(page: Page) {
	await page.goto(`/courses/${SLUG}`);
	await page.getByRole('button', { name: 'Start the assessment' }).click();
	await page.waitForURL(/\/assessment\/[0-9a-f-]+/);
}

test('answers chosen survive a reload and a sign-out, and the attempt resumes at the next question', async ({
	page
}) => {
	test.setTimeout(180_000);
	await signInAs(page, 'assessmentResumer');
	await startAssessment(page);
	const assessment = new AssessmentPage(page, course);
	const attemptUrl = new URL(page.url()).pathname;
	await atPhoneWidth(page);

	// Question 1: chosen, saved at once, never "Save and continue"d; a reload keeps it.
	await assessment.answerShown(true);
	await expect(page.getByRole('status').filter({ hasText: 'Answer saved.' })).toBeVisible();
	const firstChoice = await assessment
		.question()
		.getByRole('radio', { checked: true })
		.evaluate((el) => (el as HTMLInputElement).labels![0]!.textContent!.trim());
	await expect(page).toHaveURL(/\?q=1$/);
	await page.reload();
	await expect(assessment.question().getByRole('radio', { checked: true })).toHaveCount(1);
	await expect(assessment.question().getByLabel(firstChoice, { exact: true })).toBeChecked();
	await expect(page.getByText('You have answered 1 of 10.')).toBeVisible();

	// Questions 2 and 3, then the officer signs out without submitting.
	for (let n = 2; n <= 3; n++) {
		await assessment.saveAndContinue();
		await page.waitForURL(new RegExp(`\\?q=${n}$`));
		await assessment.answerShown(n === 2);
		await expect(page.getByRole('status').filter({ hasText: 'Answer saved.' })).toBeVisible();
	}
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page.getByRole('heading', { level: 1, name: /sign in/i })).toBeVisible();

	// Back later: the course page offers the open attempt, which opens at the first unanswered question.
	await signInAs(page, 'assessmentResumer');
	await page.goto(`/courses/${SLUG}`);
	await page.getByRole('link', { name: 'Carry on with the assessment' }).click();
	await expect(page).toHaveURL(new RegExp(`${attemptUrl}\\?q=4$`));
	await expect(assessment.question().locator('legend')).toContainText('Question 4');
	await expect(page.getByText('You have answered 3 of 10.')).toBeVisible();

	await page.getByText(/^All questions/).click();
	await page.getByRole('link', { name: 'Check your answers and submit' }).click();
	await expect(page.getByText('you have answered 3 of 10 questions')).toBeVisible();
	await expect(page.locator('.answer-row').first()).toContainText(firstChoice);
	await expect(page.getByRole('link', { name: /^Answer question/ })).toHaveCount(7);
	await atPhoneWidth(page);

	// Finish from question 4; question 3 was answered wrongly, so 90%.
	await page.getByRole('link', { name: 'Answer question 4', exact: true }).click();
	for (let n = 4; n <= 10; n++) {
		await assessment.answerShown(true);
		await assessment.saveAndContinue();
		await page.waitForURL(n < 10 ? new RegExp(`\\?q=${n + 1}$`) : /\/check$/);
	}
	await assessment.submit();
	await expect(page.getByRole('heading', { level: 1, name: 'You passed: 90%' })).toBeVisible();
});

test('a change of mind is what is kept, even when the first choice is still being saved', async ({
	page
}) => {
	await signInAs(page, 'assessmentMindChanger');
	await startAssessment(page);
	const assessment = new AssessmentPage(page, course);
	// A slow phone signal: the first instant save takes two seconds to reach the server.
	let slowSave: Promise<unknown> | undefined;
	await page.route(/\?\/answer$/, async (route) => {
		if (slowSave) return route.continue();
		slowSave = new Promise((resolve) => setTimeout(resolve, 2_000)).then(() => route.continue());
		await slowSave;
	});
	await assessment.answerShown(false);
	await assessment.answerShown(true);
	const finalChoice = await assessment
		.question()
		.getByRole('radio', { checked: true })
		.evaluate((el) => (el as HTMLInputElement).labels![0]!.textContent!.trim());
	await assessment.saveAndContinue();
	await page.waitForURL(/\?q=2$/);
	await slowSave;
	await page.goto(new URL(page.url()).pathname + '?q=1');
	await expect(assessment.question().getByLabel(finalChoice, { exact: true })).toBeChecked();
	await expect(page.getByText('You have answered 1 of 10.')).toBeVisible();
});

test.describe('without JavaScript, on a 320 px phone', () => {
	test.use({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });

	// axe needs scripts in the page, so the accessibility checks are in the test above, at 320 px too.
	test('"Save and continue" keeps each answer, one question per screen, and the check page lists what is missing', async ({
		page
	}) => {
		test.setTimeout(180_000);
		await signInAs(page, 'assessmentNoScript');
		await startAssessment(page);
		const assessment = new AssessmentPage(page, course);
		await expect(assessment.question()).toHaveCount(1);

		await assessment.answerShown(true);
		await assessment.saveAndContinue();
		await expect(page).toHaveURL(/\?q=2$/);
		await expect(page.getByText('You have answered 1 of 10.')).toBeVisible();
		// Going back keeps the answer that was saved.
		await assessment.answerShown(false);
		await page.getByRole('button', { name: 'Previous question' }).click();
		await expect(page).toHaveURL(/\?q=1$/);
		await expect(assessment.question().getByRole('radio', { checked: true })).toHaveCount(1);
		await expect(page.getByText('You have answered 2 of 10.')).toBeVisible();

		await page.goto(`${new URL(page.url()).pathname}/check`);
		await assessment.submit();
		await expect(page.getByTestId('error-summary').getByRole('link')).toHaveCount(8);
		await expect(page).toHaveTitle(/^Error: /);
		// Each error links to its question's row, which says how to answer it.
		const firstMissing = (await page
			.getByTestId('error-summary')
			.getByRole('link')
			.first()
			.getAttribute('href'))!;
		await expect(page.locator(firstMissing)).toContainText('Not answered');
	});
});
