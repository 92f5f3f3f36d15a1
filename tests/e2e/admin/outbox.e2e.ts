import { expect, test } from '@playwright/test';
import { expectAccessible, expectNoHorizontalScroll, signInAs } from '../support/helpers.ts';

/**
 * The outbox shows each email's delivery state; the person's page tells the manager whether the
 * invitation went. This server has no SMTP_URL, so messages are kept for admins to pass on.
 */
test('an invitation is queued with the person, kept in the outbox without SMTP, and both pages say so', async ({
	page
}) => {
	await signInAs(page, 'admin');
	await page.goto('/manage/people/invite');
	await page.getByLabel('Full name').fill('Olesya Ковальчук');
	await page.getByLabel('Email address').fill('olesya.outbox@e2e.example');
	await page
		.getByLabel('Organisation', { exact: true })
		.selectOption({ label: 'West Yorkshire Police' });
	await page.getByLabel(/Front-line officer/).check();
	await page.getByRole('button', { name: 'Send invitation' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Olesya Ковальчук' })).toBeVisible();
	// The worker picks the job up within moments and, with no email server, keeps the message.
	await expect(async () => {
		await page.reload();
		await expect(page.getByText(/Not sent: no email server is set up/)).toBeVisible({
			timeout: 1000
		});
	}).toPass({ timeout: 20_000 });
	await expectAccessible(page);

	await page.goto('/admin/outbox');
	const message = page.locator('section.card', { hasText: 'To olesya.outbox@e2e.example' }).first();
	await expect(message.getByText('Kept, not sent')).toBeVisible();
	await expect(message.locator('pre')).toContainText('/invite/');
	await expectAccessible(page);
	await page.setViewportSize({ width: 320, height: 800 });
	await expectNoHorizontalScroll(page);
	await expectAccessible(page);
});
