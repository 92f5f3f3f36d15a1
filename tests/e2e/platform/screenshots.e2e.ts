import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_BASE_URL } from '../support/server.ts';
import { signIn } from '../scorm/support.ts';
import { answerAssessmentRightly, finishLessonsAndStart, readCourse } from '../support/courses.ts';
import { lessonsFor } from '../../../src/lib/server/courses/content-schema.ts';
import { worldIds } from '../support/world.ts';

/**
 * The learner and manager journeys on a 375 px phone: each step fits the screen (nothing scrolls
 * sideways). With UPDATE_SCREENSHOTS=1 the pictures are written to docs/screenshots/ (linked from
 * the README); otherwise to test-results/, so an ordinary run changes no committed file.
 */
const OUT = process.env.UPDATE_SCREENSHOTS
	? path.resolve(import.meta.dirname, '../../../docs/screenshots')
	: path.resolve(import.meta.dirname, '../../../test-results/screenshots');
const COURSE = readCourse('early-asb-intervention');

async function shot(page: Page, name: string) {
	await page.waitForLoadState('networkidle');
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth
	);
	expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
	fs.mkdirSync(OUT, { recursive: true });
	await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

test('learner and manager journeys at 375 px', async ({ browser }) => {
	test.setTimeout(240_000);
	// The manager makes the course required of the learner's team, due at once: so it is overdue.
	const managerContext = await browser.newContext({
		viewport: { width: 375, height: 812 },
		deviceScaleFactor: 1
	});
	const manager = await managerContext.newPage();
	await signIn(manager, 'policeManager');
	await manager.goto('/manage/requirements');
	await manager.getByLabel('Course', { exact: true }).selectOption({ label: COURSE.title });
	await manager.getByLabel('Organisation').selectOption({ label: 'West Yorkshire Police' });
	await manager
		.getByLabel('Team (optional)')
		.selectOption({ label: 'Huddersfield neighbourhood policing (West Yorkshire Police)' });
	await manager.getByLabel('Due within (days)').fill('0');
	await manager.getByRole('button', { name: 'Add requirement' }).click();
	await expect(manager.getByRole('status')).toContainText('Requirement added');
	await shot(manager, 'manager-3-requirements');

	const learnerContext = await browser.newContext({
		viewport: { width: 375, height: 812 },
		deviceScaleFactor: 1
	});
	const learner = await learnerContext.newPage();
	await signIn(learner, 'shotLearner');
	const path = lessonsFor(COURSE, 'frontline');
	// Part way through: two lessons done.
	for (const l of path.slice(0, 2))
		await learner.request.post(`/courses/${COURSE.slug}/lessons/${l.slug}?/done`, {
			headers: { origin: E2E_BASE_URL, accept: 'text/html' },
			maxRedirects: 0,
			form: { x: '1' }
		});
	await learner.goto('/');
	await expect(learner.getByText(`Next: Lesson 3 of ${path.length}`)).toBeVisible();
	await shot(learner, 'learner-1-my-learning');
	await learner.goto(`/courses/${COURSE.slug}`);
	await shot(learner, 'learner-2-course');
	await learner.getByRole('link', { name: /^Continue the course/ }).click();
	await expect(learner.getByRole('heading', { level: 1, name: path[2]!.title })).toBeVisible();
	await shot(learner, 'learner-3-lesson');
	await manager.goto('/manage?status=overdue');
	await expect(manager.getByRole('link', { name: 'Jo Phone' })).toBeVisible();
	await shot(manager, 'manager-1-dashboard-overdue');
	await expect(
		manager.getByRole('button', { name: 'Send a reminder to everyone overdue in this view' })
	).toBeVisible();
	await manager.goto(`/manage/people/${worldIds().shotLearner}`);
	await manager.getByRole('button', { name: /^Send Jo Phone a reminder/ }).click();
	await expect(manager.getByRole('status')).toContainText('Reminder sent.');
	await shot(manager, 'manager-2-person');
	// Pressing again the same day sends nothing more.
	await manager.getByRole('button', { name: /^Send Jo Phone a reminder/ }).click();
	await expect(manager.getByRole('status')).toContainText('were reminded in the last 24 hours');
	await manager.goto('/help');
	await shot(manager, 'help');
	await managerContext.close();

	const attemptId = await finishLessonsAndStart(learner, COURSE, 'frontline', E2E_BASE_URL);
	await learner.goto(`/courses/${COURSE.slug}/assessment/${attemptId}`);
	await shot(learner, 'learner-4-assessment');
	await answerAssessmentRightly(learner, COURSE, attemptId);
	await expect(
		learner.getByRole('link', { name: 'Download your certificate (PDF)' })
	).toBeVisible();
	await shot(learner, 'learner-5-result');
	await learner.goto('/account');
	await shot(learner, 'learner-6-account');
	await learnerContext.close();
});
