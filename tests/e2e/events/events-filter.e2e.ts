import { expect, test } from '@playwright/test';
import {
	expectAccessible,
	expectAccessibleAtPhoneWidth,
	fillDateInput,
	signInAs
} from '../support/helpers.ts';

test('the learner’s events filter takes a typed date, and a mistyped one is explained beside the field', async ({
	page
}) => {
	await signInAs(page, 'eventsFilterLearner');
	await page.goto('/events');
	const from = page.getByRole('group', { name: 'Starting on or after (optional)' });
	await expect(from).toContainText('For example, 27 3 2026');
	await from.getByLabel('Day').fill('30');
	await from.getByLabel('Month').fill('2');
	await from.getByLabel('Year').fill('2027');
	await page.getByRole('button', { name: 'Show sessions' }).click();
	const summary = page.getByTestId('error-summary');
	await expect(summary).toBeFocused();
	await expect(page).toHaveTitle(/^Error: /);
	await expect(summary.getByRole('link')).toHaveText(['The start date must be a real date']);
	await expect(from).toContainText('The start date must be a real date');
	// What was typed stays, to be corrected.
	await expect(from.getByLabel('Day')).toHaveValue('30');
	await expectAccessible(page);
	await expectAccessibleAtPhoneWidth(page);
	await summary.getByRole('link').click();
	await expect(from.getByLabel('Day')).toBeFocused();

	await fillDateInput(page, 'Starting on or after (optional)', '2027-02-28');
	await page.getByRole('button', { name: 'Show sessions' }).click();
	await expect(page).toHaveURL(/from-day=28&from-month=2&from-year=2027/);
	await expect(page.getByTestId('error-summary')).toHaveCount(0);
	await expect(from.getByLabel('Month')).toHaveValue('2');
	// Left blank, the filter is off.
	await fillDateInput(page, 'Starting on or after (optional)', '');
	await page.getByRole('button', { name: 'Show sessions' }).click();
	await expect(page.getByTestId('error-summary')).toHaveCount(0);
});
