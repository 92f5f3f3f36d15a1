import { expect, test, type Page } from '@playwright/test';
import { expectNoHorizontalScroll } from '../support/helpers.ts';
import { Player, expectPlayerAccessible, signIn, startPackage, supportRow } from './support.ts';

/**
 * The player on a phone and in full screen. The frame must take the whole visible height under
 * the player's bar, so the learner never scrolls the page between the package's own buttons and
 * "Save and exit": a tap just after a page scroll can be hit-tested against the old layout and go
 * into the package's (cross-origin) frame instead of the button, which looked like a dead first tap.
 */
async function expectPlayerFillsScreen(page: Page) {
	const viewport = page.viewportSize()!;
	// the frame follows the bar's height on the next frame after the bar changes
	await expect(async () => {
		const bar = (await page.locator('.player-top').boundingBox())!;
		const frame = (await page.locator('#scorm-frame').boundingBox())!;
		const exit = (await page.getByRole('link', { name: 'Save and exit' }).boundingBox())!;
		// the bar is at the top of the screen, the frame fills the rest and is all visible
		expect(bar.y).toBeGreaterThanOrEqual(-0.5);
		expect(frame.height).toBeGreaterThanOrEqual(viewport.height - bar.height - 1);
		expect(frame.y).toBeGreaterThanOrEqual(bar.y + bar.height - 1);
		expect(frame.y + frame.height).toBeLessThanOrEqual(viewport.height + 1);
		// "Save and exit" is on screen with the frame: no scrolling between the two
		expect(exit.y).toBeGreaterThanOrEqual(0);
		expect(exit.y + exit.height).toBeLessThanOrEqual(viewport.height);
	}).toPass({ timeout: 5000 });
	await expectNoHorizontalScroll(page);
}

const acceptDialogs = (page: Page) => page.on('dialog', (d) => void d.accept());

test.describe('SCORM player on a 375 px phone, by touch', () => {
	test.use({ viewport: { width: 375, height: 667 }, hasTouch: true, isMobile: true });

	test("fills the screen; 'Save and exit' works on the first tap after the package's own buttons, and the bookmark resumes", async ({
		page,
		browser
	}) => {
		const { slug, adminUrl, player } = await startPackage(page, browser, {
			zip: 'RuntimeBasicCalls_SCORM12.zip',
			title: 'Golf on a phone (SCORM 1.2)',
			who: 'scormPhone',
			tap: true
		});
		await expectPlayerFillsScreen(page);
		await expectPlayerAccessible(page);

		// The learner taps the package's own Next button five times, then at once "Save and exit",
		// once: it leaves the player straight away, with the package's final state stored.
		const next = player.sco.getByRole('button', { name: 'Next ->' });
		for (let i = 0; i < 5; i++) await next.tap();
		await player.contentFrame('Etiquette/Course.html');
		await expectPlayerFillsScreen(page);
		const tapped = Date.now();
		await page.getByRole('link', { name: 'Save and exit' }).tap();
		await page.waitForURL(`**/scorm/${slug}`, { timeout: 5000 });
		expect(Date.now() - tapped).toBeLessThan(5000);
		// "Resume" needs the package's exit=suspend, which only its LMSFinish on the way out sets.
		await expect(page.getByRole('link', { name: 'Resume the course' })).toBeVisible();
		const { admin, field } = await supportRow(browser, adminUrl, 'Pat Phone', 'item_1');
		await expect(field('location')).toHaveText('5');
		await expect(
			admin.getByTestId('scorm-commit-history').getByText('final').first()
		).toBeVisible();
		await admin.context().close();

		await page.getByRole('link', { name: 'Resume the course' }).tap();
		await player.waitForContent();
		const frame = await player.contentFrame('Etiquette/Course.html');
		expect(frame.url()).toContain('Etiquette/Course.html');
	});

	test("on a slow connection 'Save and exit' still leaves at once, and the final state arrives by beacon", async ({
		page,
		browser
	}) => {
		const { slug, adminUrl, player } = await startPackage(page, browser, {
			zip: 'RuntimeBasicCalls_SCORM12.zip',
			title: 'Golf on a slow line (SCORM 1.2)',
			who: 'scormSlowLine',
			tap: true
		});
		const next = player.sco.getByRole('button', { name: 'Next ->' });
		for (let i = 0; i < 3; i++) await next.tap();
		await player.contentFrame('Playing/OtherScoring.html');
		// From now on every save the page makes while open takes 8 seconds to be answered.
		await page.context().route('**/api/scorm/commit', async (route) => {
			if ((route.request().headers()['content-type'] ?? '').startsWith('application/json'))
				await new Promise((r) => setTimeout(r, 8000));
			await route.continue().catch(() => {});
		});
		await next.tap();
		const tapped = Date.now();
		await page.getByRole('link', { name: 'Save and exit' }).tap();
		// a moment for the package to finish and a short wait for the save, not the 8 seconds
		await page.waitForURL(`**/scorm/${slug}`, { timeout: 5000 });
		expect(Date.now() - tapped).toBeLessThan(3500);
		// Nothing was lost: the package's last state (bookmark 4, its LMSFinish) is stored.
		const { admin, field } = await supportRow(browser, adminUrl, 'Sid Slowline', 'item_1');
		const final = admin
			.getByTestId('scorm-commit-history')
			.getByRole('row')
			.filter({ hasText: 'on closing' })
			.filter({ hasText: 'final' });
		await expect(async () => {
			await admin.reload();
			await expect(field('location')).toHaveText('4', { timeout: 1000 });
			await expect(final.first()).toBeVisible({ timeout: 1000 });
		}).toPass({ timeout: 20_000 });
		await admin.context().close();
	});
});

test.describe('SCORM player at 320 px', () => {
	test.use({ viewport: { width: 320, height: 568 }, hasTouch: true, isMobile: true });

	test('a course in parts: the frame fills the screen, the contents follow it, first-tap exit', async ({
		page,
		browser
	}) => {
		const { slug } = await startPackage(page, browser, {
			zip: 'RuntimeMinimumCalls_SCORM12.zip',
			title: 'Golf in parts on a small phone',
			who: 'scormNarrow',
			tap: true
		});
		await expectPlayerFillsScreen(page);
		await expectPlayerAccessible(page);
		const titles = await page
			.getByRole('navigation', { name: 'Course contents' })
			.getByRole('link')
			.allInnerTexts();
		await page.getByRole('button', { name: 'Next', exact: true }).tap();
		await expect(page.getByRole('heading', { level: 1 })).toHaveText(titles[1]!);
		await expect(page.locator('.player-stage')).toHaveAttribute('data-state', 'running');
		await expectPlayerFillsScreen(page);
		// the contents are below the frame, a scroll away
		const contents = page.getByRole('navigation', { name: 'Course contents' });
		await expect(contents.getByRole('link')).toHaveCount(18);
		expect((await contents.boundingBox())!.y).toBeGreaterThanOrEqual(page.viewportSize()!.height);
		await page.getByRole('link', { name: 'Save and exit' }).tap();
		await page.waitForURL(`**/scorm/${slug}`, { timeout: 5000 });
		await expect(page.getByText('2 of 18 parts done')).toBeVisible();
	});
});

test.describe('SCORM player on a desktop', () => {
	test.use({ viewport: { width: 1280, height: 720 } });

	test('full screen on the player, with a visible way out; no button where the browser cannot', async ({
		page,
		browser
	}) => {
		const { slug } = await startPackage(page, browser, {
			zip: 'RuntimeBasicCalls_SCORM20043rdEdition.zip',
			title: 'Golf in full screen',
			who: 'scormFullScreen'
		});
		await expectPlayerFillsScreen(page);

		await page.getByRole('button', { name: 'Full screen', exact: true }).click();
		await expect(page.getByRole('button', { name: 'Exit full screen' })).toBeVisible();
		expect(await page.evaluate(() => document.fullscreenElement?.className)).toContain('player');
		await expectPlayerFillsScreen(page);
		await expectPlayerAccessible(page);
		await page.getByRole('button', { name: 'Exit full screen' }).click();
		await expect(page.getByRole('button', { name: 'Full screen', exact: true })).toBeVisible();
		expect(await page.evaluate(() => document.fullscreenElement)).toBeNull();
		// Escape leaves full screen too (browsers do this themselves; the page does it where they do not)
		await page.getByRole('button', { name: 'Full screen', exact: true }).click();
		await expect(page.getByRole('button', { name: 'Exit full screen' })).toBeVisible();
		await page.keyboard.press('Escape');
		await expect(page.getByRole('button', { name: 'Full screen', exact: true })).toBeVisible();
		expect(await page.evaluate(() => document.fullscreenElement)).toBeNull();
		await page.getByRole('link', { name: 'Save and exit' }).click();
		await page.waitForURL(`**/scorm/${slug}`, { timeout: 5000 });

		// A browser without element full screen (iPhone Safari): no button that cannot work.
		const noFullscreen = await browser.newContext({ viewport: { width: 375, height: 667 } });
		await noFullscreen.addInitScript(() =>
			Object.defineProperty(Document.prototype, 'fullscreenEnabled', { get: () => false })
		);
		const phone = await noFullscreen.newPage();
		acceptDialogs(phone);
		await signIn(phone, 'scormFullScreen', `/scorm/${slug}/play`);
		await new Player(phone).waitForContent();
		await expect(phone.getByRole('link', { name: 'Save and exit' })).toBeVisible();
		await expect(phone.getByRole('button', { name: /full screen/i })).toHaveCount(0);
		await noFullscreen.close();
	});
});
