import { expect, test } from '@playwright/test';
import { expectAccessible, expectNoHorizontalScroll, pageAs } from '../support/helpers.ts';

test('an admin checks the stored training records on demand, by keyboard and at 320px', async ({
	browser
}) => {
	const admin = await pageAs(browser, 'admin');
	await admin.goto('/admin');
	await admin.getByRole('link', { name: 'Check training records' }).click();
	await expect(
		admin.getByRole('heading', { level: 1, name: 'Check training records' })
	).toBeVisible();
	await expectAccessible(admin);
	await admin.getByRole('button', { name: 'Run the check' }).focus();
	await admin.keyboard.press('Enter');
	await expect(admin.getByRole('status')).toContainText(/No differences: [\d,]+ records checked/);
	await expectAccessible(admin);
	await admin.setViewportSize({ width: 320, height: 700 });
	await expectNoHorizontalScroll(admin);
	await admin.reload();
	await expect(admin.getByText(/Last checked[\s\S]*no differences/)).toBeVisible();

	// Not for managers: the page is in the admin group.
	const manager = await pageAs(browser, 'policeManager');
	const res = await manager.goto('/admin/tracking-check');
	expect(res?.status()).toBe(403);
});
