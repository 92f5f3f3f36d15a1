import { expect, test } from '@playwright/test';
import { expectAccessible, expectNoHorizontalScroll, signInAs } from '../support/helpers.ts';
import { worldIds } from '../support/world.ts';

const MOVED =
	'Sam Auditor (admin) moved Jo Audit-Mover from Kirklees Council to West Yorkshire Police. Reason: Transferred to the police ASB team.';

test('the audit log says in a sentence who moved whom where and why, and filters by readable labels without JavaScript at 320px', async ({
	page,
	browser
}) => {
	const ids = worldIds();
	await signInAs(page, 'auditAdmin');
	await page.goto(`/manage/people/${ids.auditMover}/edit`);
	await page
		.getByLabel('Organisation', { exact: true })
		.selectOption({ label: 'West Yorkshire Police' });
	await page.getByLabel('Reason for the change').fill('Transferred to the police ASB team');
	await page.getByRole('button', { name: 'Save changes' }).click();
	await expect(page.getByRole('status')).toContainText('Changes saved');
	// The person's own page tells their history in the same sentences.
	await expect(page.getByRole('region', { name: 'Changes to this account' })).toContainText(MOVED);

	await page.goto('/admin/audit');
	await expect(page.getByText(MOVED)).toBeVisible();
	// No action codes, ids or JSON anywhere in what a person reads.
	const text = await page.getByRole('main').innerText();
	expect(text).not.toMatch(/\b[a-z]+\.[a-z]+-[a-z-]+\b|[{}]|[0-9a-f]{8}-[0-9a-f]{4}-/);
	await expectAccessible(page);

	// Without JavaScript, on a 320px phone: the filters are a plain GET form with readable choices.
	const context = await browser.newContext({
		javaScriptEnabled: false,
		viewport: { width: 320, height: 900 }
	});
	const phone = await context.newPage();
	await signInAs(phone, 'auditAdmin');
	await phone.goto('/admin/audit');
	await phone
		.getByLabel('What happened')
		.selectOption({ label: 'People: moved to another organisation' });
	await phone.getByLabel('Organisation').selectOption({ label: 'West Yorkshire Police' });
	await phone.getByRole('button', { name: 'Apply filters' }).click();
	await expect(phone).toHaveURL(/action=person\.organisation-changed/);
	await expect(phone.getByText(MOVED)).toBeVisible();
	const heading = await phone.getByRole('heading', { level: 2, name: /found$/ }).innerText();
	const entries = phone.getByRole('list', { name: /found$/ }).getByRole('listitem');
	const count = await entries.count();
	expect(heading).toBe(count === 1 ? '1 entry found' : `${count} entries found`);
	for (const entry of await entries.all()) await expect(entry).toContainText(' moved ');
	// The chosen filters stay chosen, by name.
	await expect(phone.getByLabel('What happened')).toHaveValue('person.organisation-changed');
	await expect(phone.getByLabel('Organisation').locator('option:checked')).toHaveText(
		'West Yorkshire Police'
	);
	await expectNoHorizontalScroll(phone);
	const filtered = phone.url();

	// A filter that matches nothing says so, in the singular-or-plural way.
	await phone.getByLabel('What happened').selectOption({ label: 'Teams: renamed' });
	await phone.getByRole('button', { name: 'Apply filters' }).click();
	await expect(phone.getByRole('heading', { level: 2, name: '0 entries found' })).toBeVisible();
	await expect(phone.getByText('Nothing matches these filters.')).toBeVisible();
	await context.close();

	// axe runs as a script, so the 320px check of the filtered page is in the scripted browser.
	await page.setViewportSize({ width: 320, height: 900 });
	await page.goto(filtered);
	await expect(page.getByText(MOVED)).toBeVisible();
	await expectAccessible(page);
	await expectNoHorizontalScroll(page);
});
