import { expect, test } from '@playwright/test';
import { expectAccessible } from '../support/helpers.ts';
import { makeZip, minimalManifest } from '../../fixtures/scorm/zip-writer.ts';
import { FIXTURES, pageAs } from './support.ts';

test('admins upload packages, are told clearly what is wrong with a bad one, edit the course and add a version', async ({
	browser
}) => {
	const admin = await pageAs(browser, 'admin');
	await admin.goto('/admin');
	await admin.getByRole('link', { name: 'SCORM packages' }).click();
	await expect(admin.getByRole('heading', { level: 1, name: 'SCORM packages' })).toBeVisible();
	await expectAccessible(admin);

	// a zip-slip package: refused with a message that says why, beside the field and in the summary
	const evil = makeZip([
		{ name: 'imsmanifest.xml', data: minimalManifest() },
		{ name: 'index.html', data: 'x' },
		{ name: '../../etc/cron.d/evil', data: 'x' }
	]);
	await admin
		.getByLabel('SCORM package (.zip file)')
		.setInputFiles({ name: 'evil.zip', mimeType: 'application/zip', buffer: evil });
	await admin.getByRole('button', { name: 'Upload and check' }).click();
	const summary = admin.getByTestId('error-summary');
	await expect(summary).toBeFocused();
	await expect(summary).toContainText('goes up a folder with ".."');
	await expect(admin.locator('#file-error')).toContainText('goes up a folder');
	await expectAccessible(admin);

	// no manifest at the top: the fix is spelled out
	await admin.getByLabel('SCORM package (.zip file)').setInputFiles({
		name: 'nested.zip',
		mimeType: 'application/zip',
		buffer: makeZip([{ name: 'course/imsmanifest.xml', data: minimalManifest() }])
	});
	await admin.getByRole('button', { name: 'Upload and check' }).click();
	await expect(admin.getByTestId('error-summary')).toContainText(
		'Zip the contents of that folder, not the folder itself'
	);

	// a good one
	await admin
		.getByLabel('SCORM package (.zip file)')
		.setInputFiles(`${FIXTURES}/ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip`);
	await admin.getByLabel('Course title').fill('Golf assets (SCORM 2004)');
	await admin.getByRole('button', { name: 'Upload and check' }).click();
	await admin.waitForURL(/\/admin\/scorm\/[0-9a-f-]{36}\?uploaded=1$/);
	await expect(
		admin.getByRole('heading', { level: 1, name: 'Golf assets (SCORM 2004)' })
	).toBeVisible();
	await expect(admin.getByText('SCORM 2004 3rd Edition').first()).toBeVisible();
	await expectAccessible(admin);

	// edit the course: errors beside the fields, then saved
	await admin.getByLabel('Course title').fill('');
	await admin.getByLabel('Valid for (months)').fill('lots');
	await admin.getByRole('button', { name: 'Save course details' }).click();
	await expect(admin.getByTestId('error-summary')).toContainText('Enter a title');
	await expect(admin.locator('#validityMonths-error')).toBeVisible();
	await admin.getByLabel('Course title').fill('Golf assets, renamed');
	await admin.getByLabel('Valid for (months)').fill('24');
	await admin.getByRole('button', { name: 'Save course details' }).click();
	await expect(
		admin.getByRole('status').filter({ hasText: 'Course details saved.' })
	).toBeVisible();
	await expect(
		admin.getByRole('heading', { level: 1, name: 'Golf assets, renamed' })
	).toBeVisible();

	// a new version: both kept, the new one current
	await admin
		.getByLabel('New version (.zip file)')
		.setInputFiles(`${FIXTURES}/ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip`);
	await admin.getByRole('button', { name: 'Upload new version' }).click();
	await expect(
		admin.getByRole('status').filter({ hasText: 'Version 2 was checked and uploaded' })
	).toBeVisible();
	const versions = admin.getByRole('table', { name: 'Every version uploaded' });
	await expect(versions.getByRole('row')).toHaveCount(3);
	await expect(versions.getByRole('row').nth(1)).toContainText('v2');
	await expectAccessible(admin);
	await admin.context().close();
});
