import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import {
	expectAccessible,
	expectNoHorizontalScroll,
	pageAs,
	signInAs
} from '../support/helpers.ts';
import { WORLD } from '../support/world.ts';

async function atNarrowWidth(page: Page) {
	await page.setViewportSize({ width: 320, height: 800 });
	await expectAccessible(page);
	await expectNoHorizontalScroll(page);
	await page.setViewportSize({ width: 1280, height: 800 });
}

test('the privacy notice is linked from every page, says what is held, for how long and why, and passes axe at 320 px', async ({
	page
}) => {
	await page.goto('/verify');
	await page.getByRole('contentinfo').getByRole('link', { name: 'Privacy notice' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Privacy notice' })).toBeVisible();
	await expect(page.getByRole('heading', { name: 'How long we keep it' })).toBeVisible();
	await expect(
		page.getByRole('listitem').filter({ hasText: 'People who have left (deactivated accounts)' })
	).toContainText('6 years after they leave, then anonymised');
	await expect(page.getByText(/Lawful basis: Public task/).first()).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Cookies' })).toBeVisible();
	await expectAccessible(page);
	await atNarrowWidth(page);
});

test('only the session cookie is ever set, signed out or in', async ({ page, context }) => {
	const setCookieNames = new Set<string>();
	page.on('response', async (response) => {
		const header = await response.headerValue('set-cookie').catch(() => null);
		for (const line of (header ?? '').split('\n').filter(Boolean))
			setCookieNames.add(line.split('=')[0]!.trim());
	});
	for (const path of ['/', '/privacy', '/verify', '/sign-in', '/forgot-password'])
		await page.goto(path);
	expect(await context.cookies()).toEqual([]);
	await signInAs(page, 'dataSubject');
	for (const path of ['/', '/courses', '/certificates', '/account', '/privacy'])
		await page.goto(path);
	expect((await context.cookies()).map((c) => c.name)).toEqual(['session']);
	expect([...setCookieNames]).toEqual(['session']);
	// the page says the same
	await page.goto('/privacy');
	await expect(page.getByRole('main')).toContainText('We use only one cookie');
	await expect(page.getByRole('main').locator('code')).toHaveText('session');
});

test('a person downloads everything held about them from their account page, as a document and as JSON', async ({
	page
}) => {
	await signInAs(page, 'dataSubject', '/account');
	await expect(page.getByRole('heading', { name: 'Your data' })).toBeVisible();
	await expectAccessible(page);
	await atNarrowWidth(page);

	const [doc] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: /Download your data as a document/ }).click()
	]);
	expect(doc.suggestedFilename()).toMatch(/^personal-data-\d{4}-\d{2}-\d{2}\.html$/);
	const html = fs.readFileSync((await doc.path())!, 'utf8');
	expect(html).toContain(`Personal data held about ${WORLD.dataSubject.name}`);
	expect(html).toContain(WORLD.dataSubject.email);
	expect(html).toContain('<h2 id="assessmentAttempts">');

	const [json] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: /Download your data as a file/ }).click()
	]);
	const data = JSON.parse(fs.readFileSync((await json.path())!, 'utf8')) as {
		person: { email: string };
		sections: { key: string; rows: Record<string, unknown>[] }[];
	};
	expect(data.person.email).toBe(WORLD.dataSubject.email);
	expect(data.sections.find((s) => s.key === 'profile')!.rows[0]).toMatchObject({
		organisation: 'The Probation Service',
		status: 'active'
	});

	// the document itself is accessible and reads at 320 px
	await page.setContent(html);
	await expectAccessible(page);
	await atNarrowWidth(page);
});

test('an admin answers a request by email: download, then preview and confirm an erasure with a reason', async ({
	browser
}) => {
	const admin = await pageAs(browser, 'admin');
	await admin.goto('/admin');
	await admin.getByRole('link', { name: 'Privacy and retention' }).click();
	await expect(
		admin.getByRole('heading', { level: 1, name: 'Privacy and retention' })
	).toBeVisible();
	await expectAccessible(admin);
	await atNarrowWidth(admin);

	await admin.getByLabel('Email address').fill('nobody@e2e.example');
	await admin.getByRole('button', { name: 'Find person' }).click();
	await expect(admin.getByTestId('error-summary')).toContainText('Nobody has that email address');
	await expect(admin.getByTestId('error-summary')).toBeFocused();
	await admin.getByLabel('Email address').fill(WORLD.erasureSubject.email);
	await admin.getByRole('button', { name: 'Find person' }).click();
	await expect(
		admin.getByRole('heading', { level: 1, name: `Data request: ${WORLD.erasureSubject.name}` })
	).toBeVisible();
	await expectAccessible(admin);

	// The download needs the reason for the audit log.
	await admin.getByRole('button', { name: 'Download as a file (JSON)' }).click();
	await expect(admin.getByTestId('error-summary')).toContainText('How the request was made');
	await admin
		.getByLabel('How the request was made, and when')
		.fill('Email from Eli on 1 December asking for their data');
	const [download] = await Promise.all([
		admin.waitForEvent('download'),
		admin.getByRole('button', { name: 'Download as a file (JSON)' }).click()
	]);
	const exported = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as {
		person: { email: string };
	};
	expect(exported.person.email).toBe(WORLD.erasureSubject.email);

	// Preview: what is removed, what is kept and why.
	await admin.getByLabel('Erasure: remove my personal data').check();
	await admin.getByRole('button', { name: 'Preview what would happen' }).click();
	await expect(admin.getByRole('heading', { name: 'If you confirm this erasure' })).toBeVisible();
	await expect(admin.getByTestId('removed')).toContainText('Name and email address');
	await expect(admin.getByTestId('kept')).toContainText('Completions');
	await expect(admin.getByTestId('kept')).toContainText('17(3)(b)');
	await expectAccessible(admin);
	await atNarrowWidth(admin);

	await admin.getByRole('button', { name: 'Confirm erasure' }).click();
	await expect(admin.getByTestId('error-summary')).toContainText('Enter a reason');
	await expectAccessible(admin);
	await admin
		.getByLabel('Reason, for the audit log')
		.fill('Erasure asked for by email on 1 December; has left the service');
	await admin.getByRole('button', { name: 'Confirm erasure' }).click();
	await expect(admin.getByRole('status')).toContainText('The person has been anonymised');
	await admin.reload();
	await expect(admin.getByRole('heading', { level: 1 })).toHaveText(
		'Data request: Anonymised person'
	);

	// Both are in the audit log.
	await admin.goto('/admin/audit?action=privacy.erasure');
	await expect(admin.getByRole('main')).toContainText('Erasure asked for by email');
	await admin.goto('/admin/audit?action=privacy.export');
	await expect(admin.getByRole('main')).toContainText('Email from Eli on 1 December');

	// The retention job's report is there for admins, and can be run now.
	await admin.goto('/admin/privacy');
	await admin.getByRole('button', { name: 'Apply retention rules now' }).click();
	await expect(admin.getByRole('status')).toContainText('Retention rules applied');
	await expect(admin.getByRole('heading', { level: 3, name: /^Run of / }).first()).toBeVisible();
	await expectAccessible(admin);
});
