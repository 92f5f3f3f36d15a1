import { expect, test } from '@playwright/test';
import {
	expectAccessible,
	fillDateInput,
	expectNoHorizontalScroll,
	pageAs,
	signInAs
} from '../support/helpers.ts';
import { answerAssessmentRightly, finishLessonsAndStart, readCourse } from '../support/courses.ts';
import { E2E_BASE_URL } from '../support/server.ts';
import { worldIds } from '../support/world.ts';

// A team no other test uses, so the counts below are this test's own.
const ORGANISATION = 'West Yorkshire Fire and Rescue Service';
const TEAM = 'Huddersfield station';
const OWN = 'Recognising the signs of abuse and reporting concerns';
const ALTERNATIVE = readCourse('early-asb-intervention');

test('an admin adds another course that meets a requirement after checking who it covers; a learner completes that course and the manager sees them as done', async ({
	page,
	browser
}) => {
	test.setTimeout(150_000);
	await signInAs(page, 'admin');
	// Wait for the page's scripts: on a busy machine hydration reset choices made before it (CI saw
	// "Choose a course" after the course had been chosen).
	await page.goto('/manage/requirements', { waitUntil: 'networkidle' });
	const addForm = page.locator('form[action="?/create"]');
	await addForm.getByLabel('Course', { exact: true }).selectOption({ label: OWN });
	await addForm.getByLabel('Organisation').selectOption({ label: ORGANISATION });
	await addForm.getByLabel('Team (optional)').selectOption({ label: `${TEAM} (${ORGANISATION})` });
	await addForm.getByLabel('Who (optional)').selectOption({ label: 'Front-line officers' });
	await addForm.getByLabel('Due within (days)').fill('0');

	// Before saving: who it covers. The form keeps what was chosen.
	await page.getByRole('button', { name: 'Check who this covers' }).click();
	await expect(page.getByRole('status')).toContainText(
		'This requirement would cover 2 people today. 0 of them have already completed'
	);
	await expect(addForm.getByLabel('Team (optional)')).toHaveValue(/.+/);
	await expectAccessible(page);
	await page.getByRole('button', { name: 'Add requirement' }).click();
	await expect(page.getByRole('status')).toContainText('Requirement added');

	// Then another course that meets it.
	const routeForm = page.locator('form[action="?/addRoute"]');
	await routeForm.getByRole('button', { name: 'Add course' }).click();
	await expect(page.getByTestId('error-summary')).toContainText('Choose a requirement');
	await routeForm
		.getByLabel('Requirement')
		.selectOption({ label: `${OWN}: Front-line officers in ${ORGANISATION}, ${TEAM}` });
	await routeForm
		.getByLabel('Course that also meets it')
		.selectOption({ label: ALTERNATIVE.title });
	await routeForm.getByRole('button', { name: 'Add course' }).click();
	await expect(page.getByRole('status')).toContainText(
		`${ALTERNATIVE.title} now meets the requirement too`
	);
	const row = page.getByRole('row', { name: new RegExp(`${TEAM}`) });
	await expect(row).toContainText(`${OWN} or ${ALTERNATIVE.title}`);
	await expectAccessible(page);

	// At 320 px: no sideways scroll, still accessible.
	await page.setViewportSize({ width: 320, height: 900 });
	await page.reload();
	await expectNoHorizontalScroll(page);
	await expectAccessible(page);

	// The learner completes the other course (lessons, then the assessment in the browser).
	const learner = await pageAs(browser, 'stationFirefighter');
	await expect(learner.locator('.card', { hasText: OWN })).toContainText(
		`Or complete ${ALTERNATIVE.title}: any of them counts.`
	);
	await expectAccessible(learner);
	const attemptId = await finishLessonsAndStart(learner, ALTERNATIVE, 'frontline', E2E_BASE_URL);
	await answerAssessmentRightly(learner, ALTERNATIVE, attemptId);
	await expect(learner.getByRole('heading', { level: 1, name: /You passed/ })).toBeVisible();

	// The manager's dashboard for the requirement's course counts them as trained.
	const manager = await pageAs(browser, 'fireManager');
	await manager.goto('/manage');
	await manager.getByLabel('Team', { exact: true }).selectOption({ label: TEAM });
	await manager.getByLabel('Course', { exact: true }).selectOption({ label: OWN });
	await manager.getByRole('button', { name: 'Apply filters' }).click();
	const summary = manager.getByRole('list', { name: 'Summary' });
	await expect(summary).toContainText('50% trained (1 of 2)');
	await expect(manager.getByRole('row', { name: /Rhys Route-Taker/ })).toContainText('Completed');
	await expect(manager.getByRole('row', { name: /Nia Not-Yet/ })).toContainText('Overdue');
	await expectAccessible(manager);
	await manager.setViewportSize({ width: 320, height: 900 });
	await expectNoHorizontalScroll(manager);
});

test('the coverage check works without JavaScript and keeps what was chosen', async ({
	browser
}) => {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await signInAs(page, 'admin');
	await page.goto('/manage/requirements');
	const addForm = page.locator('form[action="?/create"]');
	await addForm.getByLabel('Course', { exact: true }).selectOption({ label: OWN });
	await addForm.getByLabel('Organisation').selectOption({ label: ORGANISATION });
	await addForm.getByLabel('Team (optional)').selectOption({ label: `${TEAM} (${ORGANISATION})` });
	await addForm.getByLabel(ALTERNATIVE.title).check();
	await page.getByRole('button', { name: 'Check who this covers' }).click();
	await expect(page.getByRole('status')).toContainText('This requirement would cover 2 people');
	await expect(page.getByRole('status')).toContainText(`${OWN} or ${ALTERNATIVE.title}`);
	await expect(addForm.getByLabel(ALTERNATIVE.title)).toBeChecked();
	await expect(addForm.getByLabel('Organisation')).toHaveValue(/.+/);
	// A bad choice is named at the top and beside the field, and nothing is saved.
	await addForm.getByLabel('Course', { exact: true }).selectOption({ label: ALTERNATIVE.title });
	await page.getByRole('button', { name: 'Check who this covers' }).click();
	await expect(page.getByTestId('error-summary')).toContainText('own course already meets it');
	await page.setViewportSize({ width: 320, height: 900 });
	await page.screenshot({ path: '/tmp/routes-320.png', fullPage: true });
	await expectNoHorizontalScroll(page);
	await context.close();
});

test('training a manager records from elsewhere waits for an admin to approve it as equivalent', async ({
	page,
	browser
}) => {
	test.setTimeout(120_000);
	const ids = worldIds();
	const manager = await pageAs(browser, 'fireManager');
	await manager.goto(`/manage/people/${ids.preventFirefighter}`);
	await manager.getByRole('link', { name: 'Record training done elsewhere' }).click();
	await manager.getByLabel('Course it counts as').selectOption({ label: ALTERNATIVE.title });
	await fillDateInput(manager, 'Date completed', new Date().toISOString().slice(0, 10));
	await manager
		.getByLabel('Evidence')
		.fill('Prevent workshop run by the Home Office, certificate seen');
	await manager.getByRole('button', { name: 'Record completion' }).click();
	await expect(manager.getByRole('status')).toContainText('Completion recorded');
	const history = manager.getByRole('table', { name: 'Completion history' });
	await expect(history).toContainText('Awaiting approval');
	// Only a partnership admin is offered the approval.
	await expect(manager.getByRole('button', { name: /Approve as equivalent/ })).toHaveCount(0);

	await signInAs(page, 'admin');
	await page.setViewportSize({ width: 320, height: 900 });
	await page.goto(`/manage/people/${ids.preventFirefighter}`);
	await expectAccessible(page);
	await page.getByRole('button', { name: /Approve as equivalent/ }).click();
	await expect(page.getByRole('status')).toContainText('Approved as equivalent');
	await expect(page.getByRole('table', { name: 'Completion history' })).toContainText(
		'Approved as equivalent by Alex Admin'
	);
	await expectNoHorizontalScroll(page);
	await expectAccessible(page);
});
