import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from '../support/helpers.ts';
import {
	Player,
	expectPlayerAccessible,
	maliciousZip,
	passGolfQuiz,
	signIn,
	startPackage,
	supportRow,
	uploadPackage,
	CONTENT_ORIGIN
} from './support.ts';

/**
 * The golf samples (Rustici Software, CC BY 3.0; see tests/fixtures/scorm/ATTRIBUTION.md) played
 * in Chromium through the real player: wrapper and content on the content origin, commits to the
 * platform, results checked in the admin support view (which works on either database).
 */
const acceptDialogs = (page: Page, seen: string[] = []) => {
	page.on('dialog', (d) => {
		seen.push(d.message());
		void d.accept();
	});
	return seen;
};

test.describe('SCORM player', () => {
	test('SCORM 1.2 RuntimeBasicCalls: played through to a pass, recorded with status and score', async ({
		page,
		browser
	}, testInfo) => {
		// A retry (or a repeat) uploads its own copy; the first attempt's is still in the catalogue.
		const attempt = testInfo.retry + testInfo.repeatEachIndex;
		const title = `Golf basics (SCORM 1.2)${attempt ? `, attempt ${attempt + 1}` : ''}`;
		const { slug, adminUrl } = await uploadPackage(browser, 'RuntimeBasicCalls_SCORM12.zip', title);
		acceptDialogs(page);
		await signIn(page, 'scormLearner12', '/courses');
		// the package is a course in the learner's catalogue like any other
		await page.getByRole('link', { name: title, exact: true }).click();
		await page.waitForURL(`**/scorm/${slug}`);
		await expect(page.getByRole('heading', { level: 1, name: title, exact: true })).toBeVisible();
		await expectAccessible(page);
		await page.getByRole('link', { name: 'Start the course' }).click();
		const player = new Player(page);
		await player.waitForContent();
		await expect(page.locator('.player-stage')).toHaveAttribute('data-state', 'running');
		await expectPlayerAccessible(page);
		const next = player.sco.getByRole('button', { name: 'Next ->' });
		for (let i = 0; i < 14; i++) await next.click();
		await passGolfQuiz(await player.contentFrame('assessmenttemplate.html'));
		await player.saved();
		await page.getByRole('link', { name: 'Save and exit' }).click();
		await page.waitForURL(`**/scorm/${slug}`);
		await expect(page.getByRole('status').filter({ hasText: 'Completed on' })).toBeVisible();

		const { admin, field } = await supportRow(browser, adminUrl, 'Sky Scorm-Twelve', 'item_1');
		await expect(field('completion')).toHaveText('completed');
		await expect(field('success')).toHaveText('passed');
		await expect(field('reported')).toHaveText('passed');
		await expect(field('score')).toHaveText('100 of 100');
		await expect(field('location')).toHaveText('14');
		await expect(field('time')).not.toHaveText('0 s');
		await expect(
			admin.getByTestId('scorm-commit-history').getByText('final').first()
		).toBeVisible();
		await expectAccessible(admin);
		await admin.context().close();
	});

	test("SCORM 2004 3rd Edition RuntimeBasicCalls: played through to a pass; the SCO's exitAll returns to the course", async ({
		page,
		browser
	}) => {
		const { slug, adminUrl, player } = await startPackage(page, browser, {
			zip: 'RuntimeBasicCalls_SCORM20043rdEdition.zip',
			title: 'Golf basics (SCORM 2004)',
			who: 'scormLearner2004'
		});
		const next = player.sco.getByRole('button', { name: 'Next ->' });
		for (let i = 0; i < 14; i++) await next.click();
		await passGolfQuiz(await player.contentFrame('assessmenttemplate.html'));
		await player.saved();
		// The SCO's own Exit button: it sets adl.nav.request=exitAll and terminates; the player leaves.
		await player.sco.getByRole('button', { name: 'Exit' }).click();
		await page.waitForURL(`**/scorm/${slug}`);
		await expect(page.getByRole('status').filter({ hasText: 'Completed on' })).toBeVisible();

		const { admin, field } = await supportRow(browser, adminUrl, 'Sol Scorm-Twothousand', 'item_1');
		await expect(field('completion')).toHaveText('completed');
		await expect(field('success')).toHaveText('passed');
		await expect(field('score')).toHaveText('100% (raw 100)');
		await admin.context().close();
	});

	test('closing the tab half-way and coming back resumes at the bookmark', async ({
		page,
		browser
	}) => {
		const { slug, adminUrl, player } = await startPackage(page, browser, {
			zip: 'RuntimeBasicCalls_SCORM12.zip',
			title: 'Golf resume (SCORM 1.2)',
			who: 'scormResumer'
		});
		const next = player.sco.getByRole('button', { name: 'Next ->' });
		for (let i = 0; i < 5; i++) await next.click();
		await player.contentFrame('Etiquette/Course.html');
		const { admin, field } = await supportRow(browser, adminUrl, 'Rae Resumer', 'item_1');
		await expect(async () => {
			await admin.reload();
			await expect(field('location')).toHaveText('5', { timeout: 1000 });
		}).toPass({ timeout: 15_000 });

		// The connection drops (the player's JSON commits fail, and it says so), the learner reads
		// one more page, then closes the tab: the newest state can only reach us by the beacon.
		const context = page.context();
		let offline = false;
		await context.route('**/api/scorm/commit', (route) =>
			(offline && (route.request().headers()['content-type'] ?? '').startsWith('application/json')
				? route.abort('internetdisconnected')
				: route.continue()
			).catch(() => {})
		);
		offline = true;
		await next.click();
		await player.contentFrame('Etiquette/Distracting.html');
		await expect(page.getByTestId('save-status')).toContainText('could not be saved');
		const closed = page.waitForEvent('close');
		await page.close({ runBeforeUnload: true });
		await closed;
		offline = false;
		// The beacon (text/plain) carried bookmark 6. Sometimes the SCO's own unload-time commit (exit
		// suspend) also gets out while the tab closes; then the newer of the two is kept, and the
		// other shows as "ignored (older)". Either way bookmark 6 is stored.
		const history = admin.getByTestId('scorm-commit-history');
		const beacon = history.getByRole('row').filter({ hasText: 'on closing' }).first();
		await expect(async () => {
			await admin.reload();
			await expect(beacon.getByRole('cell').nth(7)).toHaveText('6', { timeout: 1000 });
			await expect(field('location')).toHaveText('6', { timeout: 1000 });
		}).toPass({ timeout: 15_000 });

		const again = await context.newPage();
		const dialogs = acceptDialogs(again);
		await again.goto(`/scorm/${slug}`);
		await again.getByRole('link', { name: 'Resume the course' }).click();
		const resumed = new Player(again);
		await resumed.waitForContent();
		// The SCO asks whether to resume (we accept) and opens page 7 of 15, where it was left.
		const frame = await resumed.contentFrame('Etiquette/Distracting.html');
		expect(frame.url()).toContain('Etiquette/Distracting.html');
		expect(dialogs).toContain('Would you like to resume from where you previously left off?');
		await admin.reload();
		await expect(admin.getByTestId('scorm-support-items')).toContainText('launched 2 times');
		await admin.context().close();
	});

	test('RuntimeMinimumCalls (18 SCOs): table of contents, Next through every SCO, course completed', async ({
		page,
		browser
	}) => {
		// Eighteen launches, each loading its SCO and committing: about a minute on a busy 2-core machine.
		test.slow();
		const { slug } = await uploadPackage(
			browser,
			'RuntimeMinimumCalls_SCORM12.zip',
			'Golf in parts (SCORM 1.2)'
		);
		await signIn(page, 'scormMulti', `/scorm/${slug}`);
		const contents = page.getByRole('list').filter({ hasText: 'How to Play' });
		await expect(contents.getByRole('link')).toHaveCount(18);
		await expectAccessible(page);
		await page.getByRole('link', { name: 'Start the course' }).click();
		const player = new Player(page);
		await player.waitForContent();
		const nav = page.getByRole('navigation', { name: 'Course contents' });
		await expect(nav.getByRole('link')).toHaveCount(18);
		const titles = await nav.getByRole('link').allInnerTexts();
		for (let i = 0; i < titles.length; i++) {
			await expect(page.getByRole('heading', { level: 1 })).toHaveText(titles[i]!);
			await expect(page.locator('.player-stage')).toHaveAttribute('data-state', 'running');
			if (i === 0) await expectPlayerAccessible(page);
			if (i < titles.length - 1)
				await page.getByRole('button', { name: 'Next', exact: true }).click();
		}
		await expect(page.getByRole('button', { name: 'Next', exact: true })).toHaveCount(0);
		await page.getByRole('link', { name: 'Save and exit' }).click();
		await page.waitForURL(`**/scorm/${slug}`);
		await expect(page.getByRole('status').filter({ hasText: 'Completed on' })).toBeVisible();
		await expect(page.getByText('18 of 18 parts done')).toBeVisible();
	});

	test('a malicious package cannot read the platform, act as the learner, or navigate the top window', async ({
		page,
		browser
	}) => {
		const { slug, adminUrl } = await uploadPackage(
			browser,
			maliciousZip(),
			'Totally harmless course'
		);
		await signIn(page, 'scormTarget', `/scorm/${slug}`);
		await page.getByRole('link', { name: 'Start the course' }).click();
		const player = new Player(page);
		await player.waitForContent();
		const playerUrl = page.url();
		const results = player.sco.locator('#results');
		await expect(results).toContainText('"done": true', { timeout: 20_000 });
		const r = JSON.parse(await results.innerText()) as Record<string, string | boolean>;
		expect(r.apiFound).toBe(true);
		expect(r.readTop).toMatch(/^blocked/);
		expect(r.readTopLocation).toMatch(/^blocked/);
		expect(r.cookies).toMatch(/^blocked/);
		// cross-site, without CORS: the browser refuses to hand over the response at all
		expect(r.readAccount).toBe('blocked: TypeError');
		expect(r.callApi).toBe('blocked: TypeError');
		expect(Object.values(r).filter((v) => typeof v === 'string' && v.startsWith('LEAKED'))).toEqual(
			[]
		);
		// Top navigation was refused by the sandbox: we are still on the player, still signed in.
		await page.waitForTimeout(1000);
		expect(page.url()).toBe(playerUrl);
		expect(page.url()).not.toContain('hacked');
		await expect(page.getByRole('heading', { level: 1, name: 'Harmless page' })).toBeVisible();
		// The forged bridge message did not complete anything, and the blind sign-out did not sign us out.
		await page.getByRole('link', { name: 'Save and exit' }).click();
		await page.waitForURL(`**/scorm/${slug}`);
		await expect(page.getByText('Completed on')).toHaveCount(0);
		await page.goto('/account');
		await expect(page).toHaveURL(/\/account$/);
		await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
		// What the package could legitimately do, through the API, it did: its bookmark is stored.
		const { admin, field } = await supportRow(browser, adminUrl, 'Tess Target', 'evil');
		await expect(field('location')).toHaveText('evil-page');
		await expect(field('success')).toHaveText('unknown');
		await expect(field('completion')).not.toHaveText('completed');
		await admin.context().close();
		// The content origin really is another site, with no platform cookie.
		expect(new URL(CONTENT_ORIGIN).hostname).not.toBe(new URL(page.url()).hostname);
	});
});
