import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type Frame, type FrameLocator, type Page } from '@playwright/test';
import { PASSWORD, WORLD, type WorldKey } from '../support/world.ts';
import { E2E_BASE_URL, E2E_PORT } from '../support/server.ts';
import { makeZip } from '../../fixtures/scorm/zip-writer.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/scorm');
/** The content origin the e2e server uses by default: another site than the app (127.0.0.1). */
export const CONTENT_ORIGIN = `http://localhost:${E2E_PORT + 1}`;

/**
 * Signs in like the shared signInAs, but only once the page has hydrated, and tries a second
 * time if a busy machine lost the typing to hydration.
 */
export async function signIn(page: Page, who: WorldKey, next?: string) {
	for (let attempt = 1; ; attempt++) {
		await page.goto(next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in');
		await page.waitForLoadState('networkidle');
		await page.getByLabel('Email address').fill(WORLD[who].email);
		await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
		await page.getByRole('button', { name: 'Sign in' }).click();
		try {
			await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible({
				timeout: attempt === 1 ? 5000 : 10_000
			});
			return;
		} catch (e) {
			if (attempt >= 2) throw e;
		}
	}
}

export async function pageAs(browser: Browser, who: WorldKey): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await signIn(page, who);
	return page;
}

/** Uploads a package through the admin UI, as an admin would; returns where learners open it. */
export async function uploadPackage(
	browser: Browser,
	zip: string | Buffer,
	title: string
): Promise<{ slug: string; adminUrl: string }> {
	const admin = await pageAs(browser, 'admin');
	await admin.goto('/admin/scorm');
	const file =
		typeof zip === 'string'
			? path.join(FIXTURES, zip)
			: { name: 'package.zip', mimeType: 'application/zip', buffer: zip };
	await admin.getByLabel('SCORM package (.zip file)').setInputFiles(file);
	await admin.getByLabel('Course title').fill(title);
	await admin.getByRole('button', { name: 'Upload and check' }).click();
	await admin.waitForURL(/\/admin\/scorm\/[0-9a-f-]{36}\?uploaded=1$/);
	const link = admin.getByRole('status').getByRole('link', { name: /^\/scorm\// });
	const slug = (await link.innerText()).replace('/scorm/', '');
	const adminUrl = new URL(admin.url()).pathname;
	await admin.context().close();
	return { slug, adminUrl };
}

/** The malicious package, with the platform's origin written in so it knows what to attack. */
export function maliciousZip(): Buffer {
	const read = (f: string) => fs.readFileSync(path.join(FIXTURES, 'malicious', f), 'utf8');
	return makeZip([
		{ name: 'imsmanifest.xml', data: read('imsmanifest.xml') },
		{ name: 'index.html', data: read('index.html').replaceAll('__APP_ORIGIN__', E2E_BASE_URL) }
	]);
}

/**
 * WCAG 2.2 AA on a player page. The package itself (inside #scorm-frame) is the supplier's
 * content, not the platform's, so axe checks the page around it.
 */
export async function expectPlayerAccessible(page: Page) {
	const results = await new AxeBuilder({ page })
		.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
		.exclude('#scorm-frame')
		.analyze();
	const summary = results.violations.map(
		(v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`
	);
	expect(summary, `axe violations on ${page.url()}`).toEqual([]);
}

export class Player {
	constructor(readonly page: Page) {}
	/** the SCO's own page, inside the wrapper on the content origin */
	get sco(): FrameLocator {
		return this.page.frameLocator('#scorm-frame').frameLocator('#sco');
	}
	async waitForContent() {
		await expect(this.page.locator('#scorm-frame')).toBeVisible();
		await expect(this.page.locator('#scorm-frame')).toHaveAttribute(
			'src',
			`${CONTENT_ORIGIN}/player/wrapper.html`
		);
	}
	/** the frame the golf samples show their pages in */
	contentFrame(urlPart: string): Promise<Frame> {
		return expect
			.poll(() => this.page.frames().find((f) => f.url().includes(urlPart)) ?? null, {
				timeout: 15_000
			})
			.not.toBeNull()
			.then(() => this.page.frames().find((f) => f.url().includes(urlPart))!);
	}
	async saved() {
		await expect(this.page.getByTestId('save-status')).toHaveText(/Progress saved/, {
			timeout: 15_000
		});
	}
}

/**
 * Uploads a package, signs the learner in on its course page and starts it (by tap on a touch
 * screen); resolves once the package is running. The packages' own dialogs are accepted.
 */
export async function startPackage(
	page: Page,
	browser: Browser,
	options: { zip: string; title: string; who: WorldKey; tap?: boolean }
) {
	const { slug, adminUrl } = await uploadPackage(browser, options.zip, options.title);
	page.on('dialog', (d) => void d.accept());
	await signIn(page, options.who, `/scorm/${slug}`);
	const start = page.getByRole('link', { name: 'Start the course' });
	await (options.tap ? start.tap() : start.click());
	const player = new Player(page);
	await player.waitForContent();
	await expect(page.locator('.player-stage')).toHaveAttribute('data-state', 'running');
	return { slug, adminUrl, player };
}

/** Answers the golf sample's quiz correctly (the test reads the answers the page carries) and submits it. */
export async function passGolfQuiz(frame: Frame) {
	await frame.waitForFunction(
		() => typeof (window as unknown as { test?: unknown }).test === 'object'
	);
	// Read the answers, then fill each field through a locator, which waits until the quiz has drawn
	// it (setting them inside evaluate once raced the quiz's own rendering).
	const answers = await frame.evaluate(() => {
		type Q = {
			Id: string;
			Type: string;
			Answers: string[] | null;
			CorrectAnswer: string | number | boolean;
		};
		const test = (window as unknown as { test: { Questions: Q[] } }).test;
		return test.Questions.map((q) =>
			q.Type === 'choice'
				? { check: `question_${q.Id}_${q.Answers!.indexOf(String(q.CorrectAnswer))}` }
				: q.Type === 'true-false'
					? { check: `question_${q.Id}_${q.CorrectAnswer ? 'True' : 'False'}` }
					: { fill: `question_${q.Id}_Text`, value: String(q.CorrectAnswer) }
		);
	});
	for (const a of answers) {
		if ('check' in a) await frame.locator(`[id="${a.check}"]`).check();
		else await frame.locator(`[id="${a.fill}"]`).fill(a.value!);
	}
	await frame.getByRole('button', { name: 'Submit Answers' }).click();
	await expect(frame.getByRole('heading', { name: 'Score: 100' })).toBeVisible();
}

/** Reads the admin support view for a learner: one row per part of the package. */
export async function supportRow(
	browser: Browser,
	adminUrl: string,
	learnerName: string,
	item: string
) {
	const admin = await pageAs(browser, 'admin');
	await admin.goto(adminUrl);
	await admin
		.getByRole('link', { name: new RegExp(`^Support view for ${learnerName}`) })
		.first()
		.click();
	await expect(
		admin.getByRole('heading', { level: 1, name: `${learnerName}: what is stored` })
	).toBeVisible();
	const row = admin.locator(`[data-testid="scorm-support-items"] tr[data-item="${item}"]`);
	return { admin, row, field: (name: string) => row.locator(`[data-field="${name}"]`) };
}

export const baseUrl = E2E_BASE_URL;
