import { expect, test, type Locator, type Page } from '@playwright/test';
import {
	expectAccessible,
	expectAccessibleAtPhoneWidth,
	fillDateInput,
	signInAs
} from '../support/helpers.ts';
import { worldIds } from '../support/world.ts';

/**
 * A person's page is a summary; each task with fields has a page of its own (GOV.UK "one thing per
 * page"), with its own error summary whose links reach fields on that page. Dates are typed as
 * day, month and year. Managers assign a course to many people at once from the people list.
 */
const COURSE = 'Recognising the signs of abuse and reporting concerns';
const NEXT_YEAR = String(new Date().getFullYear() + 1);

/** Every link in the error summary goes to a field that exists on this page. */
async function expectSummaryLinksReachFields(page: Page) {
	const links = await page.getByTestId('error-summary').getByRole('link').all();
	expect(links.length).toBeGreaterThan(0);
	for (const link of links) {
		const href = (await link.getAttribute('href'))!;
		await expect(page.locator(href), href).toBeEditable();
	}
}

/** Presses Tab until the target has focus, as a keyboard user would (at most 40 presses). */
async function tabTo(page: Page, target: Locator) {
	for (let i = 0; i < 40; i++) {
		await page.keyboard.press('Tab');
		if (await target.evaluate((el) => el === document.activeElement)) return;
	}
	throw new Error('never reached by Tab');
}

test('the person page is a summary; assigning and withdrawing are pages of their own with their own errors', async ({
	page
}) => {
	test.setTimeout(150_000);
	const ids = worldIds();
	await signInAs(page, 'taskManager');
	await page.goto(`/manage/people/${ids.taskSubject}`);
	await expect(page.getByRole('heading', { level: 1, name: 'Tia Task-Subject' })).toBeVisible();
	// Tasks with fields are links, not forms sharing one page's errors.
	await expect(page.getByRole('textbox')).toHaveCount(0);
	for (const task of [
		'Change details and roles',
		'Assign a course',
		'Record training done elsewhere',
		'Deactivate account'
	])
		await expect(page.getByRole('link', { name: task })).toBeVisible();
	await expectAccessible(page);
	await expectAccessibleAtPhoneWidth(page);

	await page.getByRole('link', { name: 'Assign a course' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Assign a course' })).toBeVisible();
	await expectAccessible(page);
	await page.getByRole('button', { name: 'Assign course' }).click();
	const summary = page.getByTestId('error-summary');
	await expect(summary).toBeFocused();
	await expect(page).toHaveTitle(/^Error: /);
	await expect(summary.getByRole('link')).toHaveText(['Choose a course', 'Enter the due date']);
	await expectSummaryLinksReachFields(page);

	// A date with no month: the message is on the date's group, and its link goes to the month.
	await page.getByLabel('Course', { exact: true }).selectOption({ label: COURSE });
	const due = page.getByRole('group', { name: 'Due date' });
	await expect(due).toContainText('For example, 27 3 2026');
	await due.getByLabel('Day').fill('31');
	await due.getByLabel('Year').fill(NEXT_YEAR);
	await page.getByRole('button', { name: 'Assign course' }).click();
	await expect(summary.getByRole('link')).toHaveText(['Due date must include a month']);
	await expect(due).toContainText('Due date must include a month');
	await expect(due.getByLabel('Month')).toHaveAttribute('aria-invalid', 'true');
	await expect(due.getByLabel('Day')).not.toHaveAttribute('aria-invalid', 'true');
	await expect(due.getByLabel('Day')).toHaveValue('31');
	await expect(page.getByLabel('Course', { exact: true }).locator('option:checked')).toHaveText(
		COURSE
	);
	await expectAccessible(page);
	await expectAccessibleAtPhoneWidth(page);
	await summary.getByRole('link', { name: 'Due date must include a month' }).click();
	await expect(due.getByLabel('Month')).toBeFocused();
	await page.keyboard.type('2');
	await page.getByRole('button', { name: 'Assign course' }).click();
	await expect(summary.getByRole('link')).toHaveText(['Due date must be a real date']);
	await due.getByLabel('Month').fill('3');
	await page.getByRole('button', { name: 'Assign course' }).click();

	// Back on the summary with a confirmation.
	await expect(page).toHaveURL(new RegExp(`/manage/people/${ids.taskSubject}\\?done=assigned$`));
	await expect(page.getByRole('status')).toHaveText('Course assigned.');
	await expect(page.getByRole('listitem').filter({ hasText: COURSE })).toContainText(
		`due 31 March ${NEXT_YEAR}`
	);

	// Withdrawing needs a reason; the error links to this page's reason field.
	await page.getByRole('link', { name: `Withdraw assignment of ${COURSE}` }).click();
	await expect(
		page.getByRole('heading', { level: 1, name: 'Withdraw an assigned course' })
	).toBeVisible();
	await expect(page.getByText(`${COURSE}, due 31 March ${NEXT_YEAR}`)).toBeVisible();
	await page.getByRole('button', { name: 'Withdraw' }).click();
	await expect(summary).toBeFocused();
	await expect(summary).toContainText('Enter a reason');
	await expectSummaryLinksReachFields(page);
	await expectAccessible(page);
	await page.getByLabel('Reason for withdrawing it').fill('Assigned by mistake');
	await page.getByRole('button', { name: 'Withdraw' }).click();
	await expect(page.getByRole('status')).toHaveText('Assignment withdrawn.');
	await expect(page.getByRole('link', { name: `Withdraw assignment of ${COURSE}` })).toHaveCount(0);
	await expect(
		page.getByRole('table', { name: 'Changes to this account' }).getByRole('row', {
			name: /withdrew .* assignment to .*Reason: Assigned by mistake/
		})
	).toBeVisible();

	// A failed change of details stays on its own page, keeps what was typed, and Cancel goes back.
	await page.getByRole('link', { name: 'Change details and roles' }).click();
	await page.getByLabel('Full name').fill('Tia Renamed');
	await page.getByRole('button', { name: 'Save changes' }).click();
	await expect(summary).toContainText('Enter a reason');
	await expectSummaryLinksReachFields(page);
	await expect(page.getByLabel('Full name')).toHaveValue('Tia Renamed');
	await expectAccessible(page);
	await page.getByRole('link', { name: 'Cancel' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Tia Task-Subject' })).toBeVisible();
	await expect(page.getByTestId('error-summary')).toHaveCount(0);
});

test('recording training done elsewhere works by keyboard alone, date errors included', async ({
	page
}) => {
	const ids = worldIds();
	await signInAs(page, 'taskManager');
	await page.goto(`/manage/people/${ids.taskKeyboardSubject}`);
	await tabTo(page, page.getByRole('link', { name: 'Record training done elsewhere' }));
	await page.keyboard.press('Enter');
	await expect(
		page.getByRole('heading', { level: 1, name: 'Record training done elsewhere' })
	).toBeVisible();
	await tabTo(page, page.getByLabel('Course it counts as'));
	await page.keyboard.press('ArrowDown');
	const date = page.getByRole('group', { name: 'Date completed' });
	await page.keyboard.press('Tab');
	await expect(date.getByLabel('Day')).toBeFocused();
	await page.keyboard.type('31');
	await page.keyboard.press('Tab');
	await page.keyboard.type('2');
	await page.keyboard.press('Tab');
	await page.keyboard.type('2026');
	await page.keyboard.press('Tab');
	await expect(page.getByLabel('Evidence')).toBeFocused();
	await page.keyboard.type('Face-to-face safeguarding briefing, register signed');
	await page.keyboard.press('Tab');
	await expect(page.getByRole('button', { name: 'Record completion' })).toBeFocused();
	await page.keyboard.press('Enter');

	const summary = page.getByTestId('error-summary');
	await expect(summary).toBeFocused();
	await expect(summary.getByRole('link')).toHaveText(['Date completed must be a real date']);
	await page.keyboard.press('Tab');
	await page.keyboard.press('Enter');
	await expect(date.getByLabel('Day')).toBeFocused();
	await page.keyboard.press('Control+A');
	await page.keyboard.type('15');
	await page.keyboard.press('Tab');
	await page.keyboard.press('Control+A');
	await page.keyboard.type('1');
	await page.keyboard.press('Enter');

	await expect(page.getByRole('status')).toHaveText('Completion recorded.');
	await expect(page.getByRole('table', { name: 'Completion history' })).toContainText(
		'Face-to-face safeguarding briefing, register signed'
	);
	await expect(page.getByRole('table', { name: 'Completion history' })).toContainText(
		'15 January 2026'
	);
});

test('a manager assigns a course to several people at once, without JavaScript too, within their organisations only', async ({
	browser
}) => {
	test.setTimeout(150_000);
	const ids = worldIds();
	// Without scripts: tick one person, then everyone matching the filter.
	const plain = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
	await signInAs(plain, 'taskManager');
	await plain.goto('/manage/people?q=bulk.');
	for (const name of ['Bea Bulk-One', 'Ben Bulk-Two', 'Bo Bulk-Three'])
		await expect(plain.getByRole('link', { name })).toBeVisible();
	await expect(plain.getByRole('link', { name: 'Oz Bulk-Outsider' })).toHaveCount(0);
	await expect(plain.getByLabel('Select all on this page')).toHaveCount(0);
	await plain.getByLabel('Select Bea Bulk-One').check();
	await plain.getByLabel('Course', { exact: true }).selectOption({ label: COURSE });
	await fillDateInput(plain, 'Due date', `${NEXT_YEAR}-06-30`);
	await plain.getByRole('button', { name: 'Assign course' }).click();
	const status = plain.getByRole('status');
	await expect(status).toContainText(`${COURSE}: assigned to 1 person`);
	await expect(status).toContainText('0 people already had it assigned');
	// The list still shows the filter it was assigned from.
	await expect(plain.getByLabel('Name or email')).toHaveValue('bulk.');
	await plain.getByLabel(/^Everyone matching the filters \(3 people/).check();
	await plain.getByLabel('Course', { exact: true }).selectOption({ label: COURSE });
	await fillDateInput(plain, 'Due date', `${NEXT_YEAR}-06-30`);
	await plain.getByRole('button', { name: 'Assign course' }).click();
	await expect(status).toContainText(`${COURSE}: assigned to 2 people`);
	await expect(status).toContainText('1 person already had it assigned');

	// With scripts: errors at the top link to fields; "Select all on this page" ticks the page.
	const context = await browser.newContext();
	const page = await context.newPage();
	await signInAs(page, 'taskManager');
	await page.goto('/manage/people?q=bulk.');
	await expectAccessible(page);
	const courseId = await page
		.getByLabel('Course', { exact: true })
		.locator('option', { hasText: COURSE })
		.getAttribute('value');
	await page.getByRole('button', { name: 'Assign course' }).click();
	const summary = page.getByTestId('error-summary');
	await expect(summary).toBeFocused();
	await expect(summary.getByRole('link')).toHaveText([
		'Tick at least one person, or choose everyone matching the filters',
		'Choose a course',
		'Enter the due date'
	]);
	await expectSummaryLinksReachFields(page);
	await expectAccessible(page);
	await expectAccessibleAtPhoneWidth(page);
	await page.getByLabel('Select all on this page').check();
	for (const name of ['Bea Bulk-One', 'Ben Bulk-Two', 'Bo Bulk-Three'])
		await expect(page.getByLabel(`Select ${name}`)).toBeChecked();
	await page.getByLabel('Course', { exact: true }).selectOption({ label: COURSE });
	await fillDateInput(page, 'Due date', `${NEXT_YEAR}-06-30`);
	await page.getByRole('button', { name: 'Assign course' }).click();
	await expect(page.getByRole('status')).toContainText('assigned to 0 people');
	await expect(page.getByRole('status')).toContainText('3 people already had it assigned');
	await expectAccessible(page);

	// Each person's page shows the assignment; each assignment is in the audit log.
	await page.goto(`/manage/people/${ids.bulkThree}`);
	await expect(page.getByRole('listitem').filter({ hasText: COURSE })).toContainText(
		`due 30 June ${NEXT_YEAR}`
	);
	await expect(page.getByRole('table', { name: 'Changes to this account' })).toContainText(
		`assigned “${COURSE}” to Bo Bulk-Three, due by 30 June ${NEXT_YEAR}`
	);

	// A forged request naming someone in another organisation is refused as a whole.
	const forged = await page.request.post('/manage/people?/assign', {
		form: {
			who: 'ticked',
			personId: ids.bulkOutsider,
			courseId: courseId!,
			'dueAt-day': '1',
			'dueAt-month': '1',
			'dueAt-year': NEXT_YEAR
		},
		headers: { origin: new URL(page.url()).origin, 'x-sveltekit-action': 'true' }
	});
	expect(forged.status()).toBe(403);
});
