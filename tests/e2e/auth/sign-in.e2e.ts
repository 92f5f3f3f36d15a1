import { expect, test } from '@playwright/test';
import {
	SignInPage,
	expectAccessible,
	pageAs,
	signInAs,
	linkFromOutbox,
	expectNoHorizontalScroll
} from '../support/helpers.ts';
import { PASSWORD, WORLD } from '../support/world.ts';

test('a wrong password gets one clear message, focused in the error summary, and nothing about whether the account exists', async ({
	page
}) => {
	const signIn = new SignInPage(page);
	await signIn.goto();
	await expectAccessible(page);
	await signIn.signIn(WORLD.learner.email, 'not the right passphrase');
	const summary = page.getByTestId('error-summary');
	await expect(summary).toBeFocused();
	await expect(summary).toContainText('Enter a correct email address and password');
	await expect(page.getByLabel('Email address')).toHaveValue(WORLD.learner.email);
	await expectAccessible(page);
	const unknownText = await (async () => {
		await signIn.signIn('nobody-here@e2e.example', 'not the right passphrase');
		return summary.innerText();
	})();
	expect(unknownText).toContain('Enter a correct email address and password');
});

test('signing in by keyboard lands on the learner home, and signing out ends the session', async ({
	page,
	context
}) => {
	// Let the page settle, so the keyboard path is tested rather than load timing.
	await page.goto('/', { waitUntil: 'networkidle' });
	await expect(page).toHaveURL(/\/sign-in\?next=%2F/);
	await page.keyboard.press('Tab'); // skip link
	await expect(page.getByRole('link', { name: 'Skip to main content' })).toBeFocused();
	await page.getByLabel('Email address').focus();
	await page.keyboard.type(WORLD.learner.email);
	await page.keyboard.press('Tab');
	await page.keyboard.type(PASSWORD);
	await page.keyboard.press('Enter');
	await expect(page.getByRole('heading', { level: 1, name: 'My learning' })).toBeVisible();
	const cookie = (await context.cookies()).find((c) => c.name === 'session');
	expect(cookie?.httpOnly).toBe(true);
	expect(cookie?.sameSite).toBe('Lax');
	await expectAccessible(page);
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/sign-in$/);
	await page.goto('/account');
	await expect(page).toHaveURL(/\/sign-in/);
});

test('after 5 failures the account is locked with 429 and Retry-After, even for the right password', async ({
	page
}) => {
	const signIn = new SignInPage(page);
	await signIn.goto();
	for (let i = 0; i < 5; i++) await signIn.signIn(WORLD.throttled.email, `wrong guess ${i}`);
	const response = page.waitForResponse(
		(r) => r.url().includes('/sign-in') && r.request().method() === 'POST'
	);
	await signIn.signIn(WORLD.throttled.email, PASSWORD);
	const answer = await response;
	expect(answer.status()).toBe(429);
	expect(Number(answer.headers()['retry-after'])).toBeGreaterThan(0);
	await expect(page.getByTestId('error-summary')).toContainText(
		/too many attempts.*wait \d+ minutes?/i
	);
	// Without JavaScript the form posts the ordinary way and gets the same 429.
	const direct = await page.request.post('/sign-in', {
		form: { email: WORLD.throttled.email, password: PASSWORD },
		headers: { origin: new URL(page.url()).origin, accept: 'text/html' }
	});
	expect(direct.status()).toBe(429);
});

test('a forgotten password is reset by a one-time emailed link', async ({ page, browser }) => {
	await page.goto('/sign-in');
	await page.getByRole('link', { name: 'Forgotten your password?' }).click();
	await expectAccessible(page);
	await page.getByRole('button', { name: 'Send reset link' }).click();
	await expect(page.getByTestId('error-summary')).toContainText('Enter an email address');
	await page.getByLabel('Email address').fill(WORLD.forgetful.email);
	await page.getByRole('button', { name: 'Send reset link' }).click();
	await expect(page.getByRole('status')).toContainText('If that email address has an account');

	const admin = await pageAs(browser, 'admin');
	await expect
		.poll(async () =>
			linkFromOutbox(admin, WORLD.forgetful.email, '/reset-password/').catch(() => '')
		)
		.toMatch(/^\/reset-password\//);
	const link = await linkFromOutbox(admin, WORLD.forgetful.email, '/reset-password/');
	await expectAccessible(admin);

	await page.goto(link);
	await expectAccessible(page);
	await page.getByLabel('New password', { exact: true }).fill('amber tide over the moors');
	await page.getByLabel('Confirm new password').fill('amber tide over the moors');
	await page.getByRole('button', { name: 'Save new password' }).click();
	await expect(page.getByRole('heading', { name: 'My learning' })).toBeVisible();
	// Used once: the link now says so.
	await page.goto(link);
	await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
	await expect(page.getByText('expired or has already been used')).toBeVisible();
	await expectAccessible(page);
});

test('the account page changes the password, with errors beside the fields, and works at 320px', async ({
	browser
}) => {
	const context = await browser.newContext({ viewport: { width: 320, height: 700 } });
	const page = await context.newPage();
	await signInAs(page, 'volunteer');
	await page.getByRole('link', { name: 'Account' }).click();
	await expectAccessible(page);
	await expectNoHorizontalScroll(page);
	await page.getByLabel('Current password').fill('wrong current one');
	await page.getByLabel('New password', { exact: true }).fill('password1234');
	await page.getByLabel('Confirm new password').fill('password1234');
	await page.getByRole('button', { name: 'Change password' }).click();
	await expect(page.getByTestId('error-summary')).toBeFocused();
	await expect(page.locator('#currentPassword-error')).toContainText('not correct');
	await expectAccessible(page);
	await context.close();
});

test('what someone types before the page has finished loading is kept', async ({ page }) => {
	// Hold the app's scripts back, as a slow phone connection would, while the person types.
	let release: () => void = () => {};
	const held = new Promise<void>((resolve) => (release = resolve));
	await page.route('**/_app/immutable/**', async (route) => {
		await held;
		await route.continue();
	});
	await page.goto('/sign-in', { waitUntil: 'commit' });
	await page.getByLabel('Email address').fill(WORLD.learner.email);
	release();
	await page.waitForLoadState('networkidle');
	await expect(page.getByLabel('Email address')).toHaveValue(WORLD.learner.email);
});
