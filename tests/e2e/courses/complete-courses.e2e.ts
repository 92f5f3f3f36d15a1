import { expect, test } from '@playwright/test';
import { AssessmentPage, readCourse, readEveryLesson } from '../support/courses.ts';
import { expectAccessible, signInAs } from '../support/helpers.ts';
import type { WorldKey } from '../support/world.ts';
import { lessonsFor } from '../../../src/lib/server/courses/content-schema.ts';

const journeys: [slug: string, who: WorldKey, audience: 'frontline' | 'community'][] = [
	['early-asb-intervention', 'asbOfficer', 'frontline'],
	['community-resolution', 'crVolunteer', 'community'],
	['signs-of-abuse', 'abuseOfficer', 'frontline']
];

for (const [slug, who, audience] of journeys) {
	test(`a ${audience} learner completes ${slug}: every lesson, fails the assessment once, passes on retry`, async ({
		page
	}) => {
		test.setTimeout(180_000);
		const course = readCourse(slug);
		await signInAs(page, who);
		await page.getByRole('link', { name: 'See all courses' }).click();
		await expectAccessible(page);
		await page.getByRole('link', { name: course.title }).click();
		await expect(page.getByRole('heading', { level: 1, name: course.title })).toBeVisible();
		await expect(page.getByRole('note', { name: 'Content note' })).toBeVisible();
		await expectAccessible(page);
		await expect(
			page.getByText('The assessment opens when you have finished every lesson')
		).toBeVisible();

		await page.getByRole('link', { name: 'Start the course' }).click();
		const titles = await readEveryLesson(page);
		expect(titles).toEqual(lessonsFor(course, audience).map((l) => l.title));

		// The last lesson's "Mark as done" leads to the course page, where the assessment comes first.
		await page.getByRole('button', { name: /Mark as done/ }).click();
		await page.waitForURL((url) => url.pathname === `/courses/${slug}`);
		await expect(page.locator('main').getByRole('button').first()).toHaveText(
			'Start the assessment'
		);
		await page.getByRole('button', { name: 'Start the assessment' }).click();
		await expectAccessible(page);
		const assessment = new AssessmentPage(page, course);
		// Submitting with nothing answered says which questions are missing, each linked.
		await page.getByText(/^All questions/).click();
		await page.getByRole('link', { name: 'Check your answers and submit' }).click();
		await assessment.submit();
		await expect(page.getByTestId('error-summary')).toBeFocused();
		await expect(page.getByTestId('error-summary').getByRole('link')).toHaveCount(
			course.assessmentQuestions
		);
		await expectAccessible(page);
		await page
			.locator('.answer-list')
			.getByRole('link', { name: 'Answer question 1', exact: true })
			.click();
		await assessment.answerAll(false);
		await assessment.submit();
		await expect(
			page.getByRole('heading', { level: 1, name: 'Not passed this time: 0%' })
		).toBeVisible();
		await expect(page.getByRole('heading', { name: 'What to look at again' })).toBeVisible();
		await expect(page.locator('.result-question')).toHaveCount(course.assessmentQuestions);
		await expect(page.getByRole('heading', { name: 'Lessons to revisit' })).toBeVisible();
		await expectAccessible(page);

		await page.getByRole('button', { name: 'Try again' }).click();
		await assessment.answerAll(true);
		await assessment.submit();
		await expect(page.getByRole('heading', { level: 1, name: 'You passed: 100%' })).toBeVisible();
		await expect(page.getByText(`${course.title} is now recorded as completed.`)).toBeVisible();
		// A pass leads somewhere: the certificate (download and verify link) and what to do next.
		await expect(
			page.getByRole('link', { name: 'Download your certificate (PDF)' })
		).toHaveAttribute('href', /^\/certificates\/[0-9A-Z-]+\/pdf$/);
		await expect(
			page.getByRole('link', { name: 'Verify link for this certificate' })
		).toHaveAttribute('href', /^\/verify\/[0-9A-Z-]+$/);
		await expect(page.getByRole('heading', { name: 'What to do next' })).toBeVisible();
		await expectAccessible(page);

		await page
			.getByRole('navigation', { name: 'Main' })
			.getByRole('link', { name: 'My learning' })
			.click();
		await expect(page.getByRole('heading', { name: 'Completed' })).toBeVisible();
		await expect(
			page.getByRole('listitem').filter({ hasText: `${course.title}: completed on` })
		).toBeVisible();
		await expectAccessible(page);
	});
}
