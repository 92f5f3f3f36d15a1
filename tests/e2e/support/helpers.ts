import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import { PASSWORD, WORLD, type WorldKey } from './world.ts';

/** WCAG 2.2 AA: zero violations, reported by rule and element so a failure says what to fix. */
export async function expectAccessible(page: Page) {
	const results = await new AxeBuilder({ page })
		.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
		.analyze();
	const summary = results.violations.map(
		(v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`
	);
	expect(summary, `axe violations on ${page.url()}`).toEqual([]);
}

export class SignInPage {
	constructor(readonly page: Page) {}
	async goto(next?: string) {
		// Wait for the page's scripts, so hydration cannot reset what the test is about to type.
		await this.page.goto(next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in', {
			waitUntil: 'networkidle'
		});
	}
	async signIn(email: string, password: string) {
		await this.page.getByLabel('Email address').fill(email);
		await this.page.getByLabel('Password', { exact: true }).fill(password);
		await this.page.getByRole('button', { name: 'Sign in' }).click();
	}
}

export async function signInAs(page: Page, who: WorldKey, next?: string) {
	const signIn = new SignInPage(page);
	await signIn.goto(next);
	await signIn.signIn(WORLD[who].email, PASSWORD);
	await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** A separate browser context (own cookies) signed in as someone else, e.g. an admin reading the outbox. */
export async function pageAs(browser: Browser, who: WorldKey) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signInAs(page, who);
	return page;
}

/** Reads the newest email to an address from the admin outbox and returns the first link in it. */
export async function linkFromOutbox(
	adminPage: Page,
	to: string,
	pathPrefix: string
): Promise<string> {
	await adminPage.goto('/admin/outbox');
	const message = adminPage.locator('section.card', { hasText: `To ${to}` }).first();
	await expect(message).toBeVisible();
	const body = await message.locator('pre').innerText();
	const match = new RegExp(`https?://[^\\s]+${pathPrefix}[a-z2-7]+`).exec(body);
	if (!match) throw new Error(`no ${pathPrefix} link in email to ${to}: ${body}`);
	return new URL(match[0]).pathname;
}

/** Nothing wider than the viewport: the page works from 320px. */
export async function expectNoHorizontalScroll(page: Page) {
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth
	);
	expect(overflow).toBeLessThanOrEqual(0);
}

/** Accessible and without sideways scroll on a 320 px phone, then back to the size it was. */
export async function expectAccessibleAtPhoneWidth(page: Page) {
	const size = page.viewportSize();
	await page.setViewportSize({ width: 320, height: 700 });
	await expectAccessible(page);
	await expectNoHorizontalScroll(page);
	if (size) await page.setViewportSize(size);
}

/**
 * Types a date (YYYY-MM-DD, or '' to clear it) into a GOV.UK date input, found by its legend, as a
 * person would: day, month, year, without leading zeros.
 */
export async function fillDateInput(scope: Page | Locator, legend: string, isoDate: string) {
	const [year = '', month = '', day = ''] = isoDate ? isoDate.split('-') : [];
	const group = scope.getByRole('group', { name: legend, exact: true });
	await group.getByLabel('Day').fill(day && String(Number(day)));
	await group.getByLabel('Month').fill(month && String(Number(month)));
	await group.getByLabel('Year').fill(year);
}
