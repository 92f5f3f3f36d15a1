import { expect, test } from '@playwright/test';
import { expectAccessible, linkFromOutbox, pageAs, signInAs } from '../support/helpers.ts';
import { worldIds } from '../support/world.ts';
import { parseCsvForTest } from '../support/csv.ts';

test('a manager invites a person, who sets a password from the emailed link and lands signed in', async ({
	page,
	browser
}) => {
	await signInAs(page, 'policeManager');
	await page.getByRole('link', { name: 'Manage' }).click();
	await expectAccessible(page);
	await page.getByRole('link', { name: 'Invite a person' }).first().click();
	await expectAccessible(page);
	// Submitting empty shows every problem at the top and beside each field.
	await page.getByRole('button', { name: 'Send invitation' }).click();
	const summary = page.getByTestId('error-summary');
	await expect(summary).toBeFocused();
	await expect(summary.getByRole('link')).toHaveCount(4);
	await expect(page.locator('#name-error')).toContainText('Enter a full name');
	await expectAccessible(page);
	// The organisation list holds only what this manager manages.
	await expect(page.getByLabel('Organisation')).toContainText('West Yorkshire Police');
	await expect(page.getByLabel('Organisation')).not.toContainText('Kirklees Council');

	await page.getByLabel('Full name').fill('Nadia Invitee');
	await page.getByLabel('Email address').fill('nadia.invitee@e2e.example');
	await page.getByLabel('Organisation').selectOption({ label: 'West Yorkshire Police' });
	await page.getByLabel('Team (optional)').selectOption({ label: 'Safeguarding unit' });
	await page.getByLabel(/Front-line officer/).check();
	await page.getByRole('button', { name: 'Send invitation' }).click();
	await expect(page.getByRole('status')).toContainText(
		'Invitation sent to nadia.invitee@e2e.example'
	);
	await expect(page.getByRole('heading', { level: 1, name: 'Nadia Invitee' })).toBeVisible();
	await expectAccessible(page);

	const admin = await pageAs(browser, 'admin');
	const link = await linkFromOutbox(admin, 'nadia.invitee@e2e.example', '/invite/');
	const invitee = await (await browser.newContext()).newPage();
	await invitee.goto(link);
	await expect(invitee.getByRole('heading', { name: 'Welcome, Nadia Invitee' })).toBeVisible();
	await expectAccessible(invitee);
	// The rules are given before the learner can fail them; "Show" reveals what was typed.
	await expect(invitee.getByText('At least 12 characters.')).toBeVisible();
	await invitee.getByLabel('New password', { exact: true }).fill('silver birch and heather');
	await expect(invitee.getByLabel('New password', { exact: true })).toHaveAttribute(
		'type',
		'password'
	);
	const toggle = invitee.locator('button[aria-controls="password"]');
	await expect(toggle).toHaveAccessibleName('Show');
	await expect(toggle).toHaveAccessibleDescription('New password');
	await toggle.click();
	await expect(invitee.getByLabel('New password', { exact: true })).toHaveAttribute('type', 'text');
	await expect(toggle).toHaveAccessibleName('Hide');
	await toggle.click();
	await expect(invitee.getByLabel('New password', { exact: true })).toHaveAttribute(
		'type',
		'password'
	);
	await invitee
		.getByLabel('Confirm new password', { exact: true })
		.fill('silver birch and heather');
	await invitee.getByRole('button', { name: 'Save password and continue' }).click();
	await expect(invitee.getByRole('heading', { name: 'My learning' })).toBeVisible();
	await expect(invitee.getByRole('status')).toContainText('signed in');

	// Re-opening the used invitation says the account is set up and offers sign-in, not "page not found".
	const later = await (await browser.newContext()).newPage();
	const reopened = await later.goto(link);
	expect(reopened?.status()).toBe(200);
	await expect(
		later.getByRole('heading', { level: 1, name: 'Your account is already set up' })
	).toBeVisible();
	await expect(later.getByRole('link', { name: 'Sign in' }).last()).toHaveAttribute(
		'href',
		'/sign-in'
	);
	await expectAccessible(later);
});

test('CSV import shows a preview with per-row errors, writes nothing until confirmed, and updates on re-import', async ({
	page
}) => {
	await signInAs(page, 'councilManager');
	await page.goto('/manage/people/import');
	await expectAccessible(page);
	// A template to fill in: the columns the import reads and an example from the manager's organisation.
	const template = await page.request.get(
		(await page.getByRole('link', { name: 'Download a template CSV file' }).getAttribute('href'))!
	);
	expect(template.status()).toBe(200);
	const templateRows = parseCsvForTest(await template.text());
	expect(templateRows[0]).toEqual(['name', 'email', 'organisation', 'team', 'audience', 'manager']);
	expect(templateRows[1]![2]).toBe('Kirklees Council');
	const upload = async (csv: string) => {
		await page
			.getByLabel('CSV file')
			.setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
		await page.getByRole('button', { name: 'Check the file' }).click();
	};
	await upload(
		'name,email,organisation,audience\nGood Row,good.row@e2e.example,Kirklees Council,community contact\nBad Row,bad-email,Kirklees Council,astronaut\n'
	);
	await expect(page.getByRole('heading', { name: 'Check the import' })).toBeVisible();
	await expect(page.getByRole('row', { name: /Bad Row/ })).toContainText(
		'Enter an email address in the correct format'
	);
	await expect(page.getByRole('row', { name: /Bad Row/ })).toContainText('front-line officer');
	await expect(page.getByRole('button', { name: 'Confirm and import' })).toHaveCount(0);
	await expectAccessible(page);
	await page.goto('/manage/people?q=good.row');
	await expect(page.getByText('0 people', { exact: true })).toBeVisible();

	await page.goto('/manage/people/import');
	await upload(
		'name,email,organisation,team,audience,manager\nGood Row,good.row@e2e.example,Kirklees Council,Housing management,community contact,no\n'
	);
	await expect(page.getByRole('row', { name: /Good Row/ })).toContainText('New – will be invited');
	await page.getByRole('button', { name: 'Confirm and import' }).click();
	await expect(page.getByRole('heading', { name: 'Import complete' })).toBeVisible();
	await expect(page.getByText('1 invited, 0 updated, 0 unchanged')).toBeVisible();

	await page.goto('/manage/people/import');
	await upload(
		'name,email,organisation,team,audience\nGood Row Renamed,GOOD.ROW@e2e.example,Kirklees Council,Housing management,community contact\n'
	);
	await expect(page.getByRole('row', { name: /Good Row Renamed/ })).toContainText(
		'Will be updated'
	);
	await page.getByRole('button', { name: 'Confirm and import' }).click();
	await expect(page.getByText('0 invited, 1 updated, 0 unchanged')).toBeVisible();
	await page.goto('/manage/people?q=good.row&status=all');
	await expect(page.getByText('1 person', { exact: true })).toBeVisible();
	await expect(page.getByRole('link', { name: 'Good Row Renamed' })).toBeVisible();

	// A file that is not CSV at all gets a clear message, not a 500.
	await page.goto('/manage/people/import');
	await page.getByLabel('CSV file').setInputFiles({
		name: 'people.xlsx',
		mimeType: 'application/octet-stream',
		buffer: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08])
	});
	await page.getByRole('button', { name: 'Check the file' }).click();
	await expect(page.getByTestId('error-summary')).toContainText('must be a CSV file');
});

test("a manager cannot see or change another organisation's people by editing URLs or posting forms", async ({
	page
}) => {
	const ids = worldIds();
	await signInAs(page, 'policeManager');
	const other = await page.goto(`/manage/people/${ids.councilOfficer}`);
	expect(other?.status()).toBe(404);
	const origin = new URL(page.url()).origin;
	for (const action of [
		'/edit',
		'/status?/deactivate',
		'/assign',
		'/record-external',
		'?/resend'
	]) {
		const res = await page.request.post(`/manage/people/${ids.councilOfficer}${action}`, {
			form: {
				name: 'Hijacked',
				organisationId: ids.councilOfficer,
				audience: 'frontline',
				reason: 'URL editing'
			},
			headers: { origin, 'x-sveltekit-action': 'true' }
		});
		expect(res.status(), action).toBe(404);
	}
	await page.goto(
		`/manage/people?organisationId=${'00000000-0000-4000-8000-000000000000'}&q=council`
	);
	await expect(page.getByText('0 people', { exact: true })).toBeVisible();
	const org = await page.goto('/manage/organisations');
	expect(org?.status()).toBe(200);
	await expect(page.getByRole('link', { name: 'Kirklees Council' })).toHaveCount(0);
	await expect(page.getByRole('link', { name: 'West Yorkshire Police' })).toBeVisible();

	// Still the same in the admin's view.
	await page.context().clearCookies();
	await signInAs(page, 'admin');
	await page.goto(`/manage/people/${ids.councilOfficer}`);
	await expect(page.getByRole('heading', { level: 1, name: 'Cory Council-Officer' })).toBeVisible();
});

test('a learner cannot reach manage or admin pages', async ({ page }) => {
	await signInAs(page, 'learner');
	for (const path of ['/manage', '/manage/people', '/admin', '/admin/audit', '/admin/outbox']) {
		const res = await page.goto(path);
		expect(res?.status(), path).toBe(403);
	}
	await expect(
		page.getByRole('heading', { name: 'You do not have permission to see this' })
	).toBeVisible();
	await expectAccessible(page);
	await expect(page.getByRole('link', { name: 'Manage' })).toHaveCount(0);
});

test('an admin changes a role with a reason, deactivates and reactivates, and sees it all in the audit log', async ({
	page,
	browser
}) => {
	// Each task is a page of its own now, each checked by axe: a longer journey than most.
	test.setTimeout(120_000);
	const ids = worldIds();
	const leaver = await pageAs(browser, 'leaver');
	await signInAs(page, 'admin');
	await page.goto(`/manage/people/${ids.leaver}`);
	await expectAccessible(page);
	await page.getByRole('link', { name: 'Change details and roles' }).click();
	await expectAccessible(page);
	await page.getByLabel('Manager of West Yorkshire Police').check();
	await page.getByRole('button', { name: 'Save changes' }).click();
	await expect(page.locator('#reason-error')).toContainText('Enter a reason');
	await page.getByLabel('Reason for the change').fill('Acting sergeant for three months');
	await page.getByRole('button', { name: 'Save changes' }).click();
	await expect(page.getByRole('status')).toContainText('Changes saved');

	await page.getByRole('link', { name: 'Deactivate account' }).click();
	await expectAccessible(page);
	await page.getByLabel('Reason', { exact: true }).fill('Left West Yorkshire Police');
	await page.getByRole('button', { name: 'Deactivate' }).click();
	await expect(page.getByRole('status')).toContainText('Their learning records are kept');
	// Their open session ended at once.
	await leaver.goto('/account');
	await expect(leaver).toHaveURL(/\/sign-in/);

	await page.getByRole('link', { name: 'Reactivate account' }).click();
	await page.getByLabel('Reason', { exact: true }).fill('Came back');
	await page.getByRole('button', { name: 'Reactivate' }).click();
	await expect(page.getByRole('status')).toContainText('Account reactivated');

	await page.goto('/admin/audit');
	await expectAccessible(page);
	await expect(
		page.getByText(
			'Alex Admin (admin) made Lou Leaver a manager of West Yorkshire Police. Reason: Acting sergeant for three months.'
		)
	).toBeVisible();
	await expect(
		page.getByText(
			'Alex Admin (admin) deactivated Lou Leaver’s account. Reason: Left West Yorkshire Police.'
		)
	).toBeVisible();
	await expect(
		page.getByText('Alex Admin (admin) reactivated Lou Leaver’s account. Reason: Came back.')
	).toBeVisible();
});

test('people list searches, filters and pages; organisations and teams can be added', async ({
	page
}) => {
	await signInAs(page, 'admin');
	await page.goto('/manage/people');
	await expectAccessible(page);
	await page.getByLabel('Name or email').fill('e2e.example');
	await page.getByLabel('Audience').selectOption({ label: 'Community contacts' });
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page.getByRole('link', { name: 'Val Volunteer' })).toBeVisible();
	await expect(page.getByRole('link', { name: 'Lee Learner' })).toHaveCount(0);

	await page.goto('/manage/organisations');
	await expectAccessible(page);
	await page.getByLabel('Organisation name').fill('Huddersfield Mission');
	await page.getByLabel('Kind of organisation').selectOption({ label: 'Community organisation' });
	await page.getByRole('button', { name: 'Add organisation' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Huddersfield Mission' })).toBeVisible();
	await page.getByLabel('Team name').fill('Drop-in volunteers');
	await page.getByRole('button', { name: 'Add team' }).click();
	await expect(page.getByRole('status')).toContainText('Team added');
	await expect(page.getByRole('link', { name: 'Drop-in volunteers' })).toBeVisible();
	await expectAccessible(page);
	await page.goto('/admin');
	await expectAccessible(page);
});
