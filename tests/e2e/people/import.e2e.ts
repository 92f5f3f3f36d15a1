import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { expectAccessible, expectNoHorizontalScroll, signInAs } from '../support/helpers.ts';
import { parseCsvForTest } from '../support/csv.ts';

test('people import: a template to fill in, every problem summarised at the top by row and column with the nearest name for a typo, and nothing imported', async ({
	page
}) => {
	await signInAs(page, 'importManager');
	await page.goto('/manage/people/import');

	// The template downloads as a file with the importer's exact headings and an example row.
	const downloading = page.waitForEvent('download');
	await page.getByRole('link', { name: 'Download a template CSV file' }).click();
	const download = await downloading;
	expect(download.suggestedFilename()).toBe('people-import-template.csv');
	const template = parseCsvForTest(fs.readFileSync((await download.path())!, 'utf8'));
	expect(template[0]).toEqual(['name', 'email', 'organisation', 'team', 'audience', 'manager']);
	expect(template[1]).toHaveLength(6);
	expect(template[1]![2]).toBe('Kirklees Council');

	await page.getByLabel('CSV file').setInputFiles({
		name: 'people.csv',
		mimeType: 'text/csv',
		buffer: Buffer.from(
			'name,email,organisation,team,audience,manager\n' +
				'Ida Good,ida.good@import.e2e.example,Kirklees Council,,community contact,no\n' +
				'Ivo Typo,ivo.typo@import.e2e.example,Kirklees Counsil,,community contact,no\n' +
				'Isla Team,isla.team@import.e2e.example,Kirklees Council,Housing managment,front-line officer,no\n' +
				'Ike Email,not-an-email,Kirklees Council,,front-line officer,perhaps\n'
		)
	});
	await page.getByRole('button', { name: 'Check the file' }).click();

	const summary = page.getByTestId('error-summary');
	await expect(summary).toBeFocused();
	await expect(page).toHaveTitle(/^Error: Import people/);
	const problems = summary.getByRole('link');
	await expect(problems).toHaveText([
		'Row 3, organisation: There is no organisation called "Kirklees Counsil". Did you mean "Kirklees Council"?',
		'Row 4, team: Kirklees Council has no team called "Housing managment". Did you mean "Housing management"?',
		'Row 5, email: Enter an email address in the correct format, like name@example.org',
		'Row 5, manager: Enter "yes" or "no"'
	]);
	// Each problem links to its row and column in the table, where it is shown again.
	await problems.first().click();
	await expect(page).toHaveURL(/#row-3-organisation$/);
	const cell = page.locator('#row-3-organisation');
	await expect(cell).toBeInViewport();
	await expect(cell).toContainText('Did you mean "Kirklees Council"?');
	await expect(page.getByRole('row', { name: /Row 3/ })).toContainText('Cannot import');
	await expect(page.getByRole('row', { name: /Row 2/ })).toContainText('New – will be invited');
	await expect(page.getByRole('button', { name: 'Confirm and import' })).toHaveCount(0);
	await expectAccessible(page);

	await page.setViewportSize({ width: 320, height: 900 });
	await expectAccessible(page);
	await expectNoHorizontalScroll(page);

	// All or nothing: the good row was not imported either.
	await page.goto('/manage/people?q=import.e2e.example&status=all');
	await expect(page.getByText('0 people')).toBeVisible();
});
