import { expect, test } from '@playwright/test';
import { expectAccessible, fillDateInput, pageAs, signInAs } from '../support/helpers.ts';
import { parseCsvForTest } from '../support/csv.ts';
import { worldIds } from '../support/world.ts';

const COURSE = 'Community resolution';
const TEAM = 'Dewsbury neighbourhood policing';

test('a manager sets required training, sees who is overdue, records training done elsewhere, and exports what is on screen', async ({
	page,
	browser
}) => {
	test.setTimeout(120_000);
	await signInAs(page, 'policeManager');
	await page.goto('/manage/requirements');
	await expectAccessible(page);
	await page.getByRole('button', { name: 'Add requirement' }).click();
	await expect(page.getByTestId('error-summary')).toContainText('Choose a course');
	await page.getByLabel('Course', { exact: true }).selectOption({ label: COURSE });
	await page.getByLabel('Organisation').selectOption({ label: 'West Yorkshire Police' });
	await page
		.getByLabel('Team (optional)')
		.selectOption({ label: `${TEAM} (West Yorkshire Police)` });
	await page.getByLabel('Who (optional)').selectOption({ label: 'Front-line officers' });
	await page.getByLabel('Due within (days)').fill('0');
	await page.getByRole('button', { name: 'Add requirement' }).click();
	await expect(page.getByRole('status')).toContainText('Requirement added');
	await expect(page.getByRole('row', { name: new RegExp(`${COURSE}.*${TEAM}`) })).toBeVisible();

	// The dashboard, filtered to the team and course: both officers are due now, so overdue.
	await page.goto('/manage');
	await page
		.getByLabel('Organisation', { exact: true })
		.selectOption({ label: 'West Yorkshire Police' });
	await page.getByLabel('Team', { exact: true }).selectOption({ label: TEAM });
	await page.getByLabel('Course', { exact: true }).selectOption({ label: COURSE });
	await page.getByRole('button', { name: 'Apply filters' }).click();
	const summary = page.getByRole('list', { name: 'Summary' });
	await expect(summary).toContainText('0% trained (0 of 2)');
	await expect(summary).toContainText('2 overdue');
	await expectAccessible(page);

	// Drill into one person and record a face-to-face session.
	const dashboard = page.url();
	await page.getByRole('link', { name: 'Dev Trained' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Dev Trained' })).toBeVisible();
	await page.getByText('Record training done elsewhere').click();
	await page.getByRole('button', { name: 'Record completion' }).click();
	await expect(page.getByTestId('error-summary')).toContainText('Describe the evidence');
	await page.getByLabel('Course it counts as').selectOption({ label: COURSE });
	await fillDateInput(page, 'Date completed', new Date().toISOString().slice(0, 10));
	await page
		.getByLabel('Evidence')
		.fill('Face-to-face restorative justice workshop, register signed');
	await page.getByRole('button', { name: 'Record completion' }).click();
	await expect(page.getByRole('status')).toContainText('Completion recorded');
	await expect(
		page
			.getByRole('table', { name: 'Required training' })
			.getByRole('row', { name: new RegExp(COURSE) })
	).toContainText('Completed');
	await expect(page.getByRole('table', { name: 'Completion history' })).toContainText(
		'Face-to-face restorative justice workshop'
	);
	await expectAccessible(page);

	// The figures, the chart's table and the lists agree.
	await page.goto(dashboard);
	await expect(summary).toContainText('50% trained (1 of 2)');
	await expect(summary).toContainText('1 overdue');
	await page.getByText('Trained, by course: the figures as a table').click();
	const chartTable = page.getByRole('table', { name: 'Trained, by course: figures' });
	await expect(chartTable.getByRole('row', { name: new RegExp(COURSE) })).toContainText('50%');
	await summary.getByRole('link', { name: /overdue/ }).click();
	await expect(page.getByRole('heading', { name: 'Overdue: 1' })).toBeVisible();
	await expect(page.getByRole('link', { name: 'Dee Overdue' })).toBeVisible();

	// The export is exactly the list on screen, with the same filters.
	const href = await page
		.getByRole('link', { name: 'Download this list (CSV)' })
		.getAttribute('href');
	const csv = await page.request.get(href!);
	expect(csv.headers()['content-type']).toContain('text/csv');
	const rows = parseCsvForTest(await csv.text());
	expect(rows[0]).toEqual([
		'Name',
		'Email',
		'Organisation',
		'Team',
		'Course',
		'Status',
		'Due date',
		'Completed on',
		'Expires on'
	]);
	expect(rows.slice(1).map((r) => [r[0], r[4], r[5]])).toEqual([
		['Dee Overdue', COURSE, 'Overdue']
	]);

	// The learner sees it first on My learning.
	const learner = await pageAs(browser, 'dewsburyPc1');
	await expect(learner.getByRole('heading', { name: 'Required for your role' })).toBeVisible();
	await expect(learner.locator('.card', { hasText: COURSE })).toContainText('Overdue');
	await expectAccessible(learner);
});

test('a manager cannot open the dashboard or export of another organisation', async ({ page }) => {
	await signInAs(page, 'councilManager');
	const ids = worldIds();
	expect(ids.policeManager).toBeTruthy();
	await page.goto('/manage');
	await expect(page.getByLabel('Organisation')).not.toContainText('West Yorkshire Police');
	const police = await page.request.get('/admin/partnership');
	expect(police.status()).toBe(403);
	// Find the police organisation id from the admin view, then try it as the council manager.
	const admin = await (await page.context().browser()!.newContext()).newPage();
	await signInAs(admin, 'admin');
	await admin.goto('/manage/organisations');
	const href = await admin
		.getByRole('link', { name: 'West Yorkshire Police' })
		.getAttribute('href');
	const policeId = href!.split('/').pop();
	expect((await page.request.get(`/manage?organisationId=${policeId}`)).status()).toBe(404);
	expect((await page.request.get(`/manage/export.csv?organisationId=${policeId}`)).status()).toBe(
		404
	);
});

test('the partnership dashboard shows every organisation side by side, with charts as tables and an export', async ({
	page
}) => {
	await signInAs(page, 'admin');
	await page.goto('/admin');
	await page.getByRole('link', { name: 'Is everyone trained?' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Is everyone trained?' })).toBeVisible();
	await expect(page.getByRole('img', { name: /Completions per month/ })).toBeVisible();
	await expect(
		page.getByRole('table', { name: 'Completions per month, last 12 months: figures' })
	).toBeVisible();
	await expectAccessible(page);
	const csv = await page.request.get('/admin/partnership/export.csv');
	expect(csv.status()).toBe(200);
	expect(parseCsvForTest(await csv.text())[0]).toEqual([
		'Organisation',
		'Course',
		'Required',
		'Trained',
		'Trained %',
		'Overdue or expired'
	]);
});

test('a learner turns off early reminders on their account page', async ({ page }) => {
	await signInAs(page, 'dewsburyPc2');
	await page.goto('/account');
	const early = page.getByLabel(/Email me two weeks before/);
	await expect(early).toBeChecked();
	await early.uncheck();
	await page.getByRole('button', { name: 'Save reminder choice' }).click();
	await expect(page.getByRole('status')).toContainText('Early reminders are off');
	await page.reload();
	await expect(page.getByLabel(/Email me two weeks before/)).not.toBeChecked();
	await expectAccessible(page);
});
