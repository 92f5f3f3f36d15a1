import fs from 'node:fs';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { AssessmentPage, readCourse, readEveryLesson } from '../support/courses.ts';
import { SignInPage, expectAccessible, expectNoHorizontalScroll } from '../support/helpers.ts';
import { E2E_BASE_URL } from '../support/server.ts';
import { PASSWORD, WORLD, type WorldKey } from '../support/world.ts';
import { formatDate } from '../../../src/lib/format.ts';
import { pdfQrCode, pdfText } from './pdf-reading.ts';

/**
 * A certificate's life, end to end: earned, downloaded, checked by a stranger (by QR link, typed
 * code and uploaded signed file), revoked by an admin, then checked again. One journey, in order.
 */
test.describe.configure({ mode: 'serial' });

const SLUG = 'early-asb-intervention';
const course = readCourse(SLUG);
const learner = WORLD.certLearner;
let code = '';
let credential = '';

async function download(
	page: Page,
	click: () => Promise<void>
): Promise<{ name: string; bytes: Buffer }> {
	const [file] = await Promise.all([page.waitForEvent('download'), click()]);
	return { name: file.suggestedFilename(), bytes: fs.readFileSync((await file.path())!) };
}

/**
 * Signs in once the sign-in page has hydrated: typing into server-rendered fields before the app
 * hydrates can be wiped by hydration on a busy machine, which made the shared helper flaky here.
 */
async function signIn(page: Page, who: WorldKey) {
	await page.goto('/sign-in', { waitUntil: 'networkidle' });
	await new SignInPage(page).signIn(WORLD[who].email, PASSWORD);
	await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

async function signedIn(browser: Browser, who: WorldKey) {
	const page = await (await browser.newContext()).newPage();
	await signIn(page, who);
	return page;
}

async function stranger(browser: Browser, javaScriptEnabled = true) {
	const context = await browser.newContext({ javaScriptEnabled });
	return context.newPage();
}

test('a learner completes a course and downloads a certificate whose text and QR code check out', async ({
	page
}) => {
	test.setTimeout(300_000);
	await signIn(page, 'certLearner');
	await page.goto(`/courses/${SLUG}`);
	await page.getByRole('link', { name: /^(Start|Continue) the course/ }).click();
	await readEveryLesson(page);
	// The last lesson is done when the learner says so; the course page then offers the assessment.
	await page.getByRole('button', { name: /Mark as done/ }).click();
	await page.waitForURL((url) => url.pathname === `/courses/${SLUG}`);
	await page.getByRole('button', { name: 'Start the assessment' }).click();
	const assessment = new AssessmentPage(page, course);
	await assessment.answerAll(true);
	await assessment.submit();
	await expect(page.getByRole('heading', { level: 1, name: 'You passed: 100%' })).toBeVisible();

	// My learning: the completed course links to its certificate.
	await page.getByRole('link', { name: 'My learning', exact: true }).click();
	const pdfLink = page.getByRole('link', {
		name: `Download certificate for ${course.title} (PDF)`
	});
	await expect(pdfLink).toBeVisible();
	await expect(
		page.getByText(
			`, valid until ${formatDate(new Date(new Date().setFullYear(new Date().getFullYear() + 2)))}`
		)
	).toBeVisible();
	await expectAccessible(page);
	code = /\/certificates\/([0-9A-Z-]+)\/pdf$/.exec((await pdfLink.getAttribute('href'))!)![1]!;
	expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);

	const pdf = await download(page, () => pdfLink.click());
	expect(pdf.name).toBe(`certificate-${code}.pdf`);
	const text = await pdfText(pdf.bytes);
	expect(text).toContain(learner.name);
	expect(text).toContain(course.title);
	expect(text).toContain(code);
	const qr = await pdfQrCode(pdf.bytes);
	fs.mkdirSync('test-results', { recursive: true });
	fs.writeFileSync('test-results/certificate-qr.png', qr.png);
	expect(qr.text).toBe(`${E2E_BASE_URL}/verify/${code}`);

	// The certificates page: the whole history, and the signed JSON credential.
	await page.getByRole('link', { name: 'See all your certificates' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'My certificates' })).toBeVisible();
	await expect(page.getByRole('heading', { level: 2, name: course.title })).toBeVisible();
	await expect(page.getByRole('row').filter({ hasText: code })).toContainText('Valid');
	await expectAccessible(page);
	const json = await download(page, () =>
		page.getByRole('link', { name: /^Signed file \(JSON\)/ }).click()
	);
	expect(json.name).toBe(`certificate-${code}.json`);
	credential = json.bytes.toString('utf8');
	expect(JSON.parse(credential)).toMatchObject({
		type: ['VerifiableCredential', 'AchievementCredential'],
		proof: { cryptosuite: 'eddsa-jcs-2022' }
	});
	const again = await download(page, () =>
		page.getByRole('link', { name: new RegExp(`^PDF certificate, ${course.title}`) }).click()
	);
	expect(await pdfText(again.bytes)).toContain(code);
});

test('a stranger follows the QR code: valid, only name, course, issuer and dates, not indexed', async ({
	browser
}) => {
	const page = await stranger(browser);
	const response = await page.goto(`${E2E_BASE_URL}/verify/${code}`);
	expect(response!.status()).toBe(200);
	expect(response!.headers()['x-robots-tag']).toMatch(/noindex/);
	expect(response!.headers()['cache-control']).toBe('no-store');
	await expect(page.locator('meta[name="robots"]')).toHaveAttribute('content', /noindex/);
	await expect(page.getByRole('heading', { level: 1, name: 'Valid certificate' })).toBeVisible();
	await expect(page.getByText('This certificate is genuine and valid.')).toBeVisible();
	const details = page.locator('dl');
	await expect(details).toContainText(learner.name);
	await expect(details).toContainText(course.title);
	await expect(details).toContainText('Safer Kirklees');
	await expect(details).toContainText(formatDate(new Date()));
	await expect(page.locator('main')).not.toContainText(learner.email);
	await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
	await expectAccessible(page);
	await page.setViewportSize({ width: 320, height: 800 });
	await expectNoHorizontalScroll(page);

	await page.goto(`/verify/${code.toLowerCase().replaceAll('-', '')}`);
	await expect(page).toHaveURL(`${E2E_BASE_URL}/verify/${code}`);
	await page.goto('/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ');
	await expect(
		page.getByRole('heading', { level: 1, name: 'Certificate not found' })
	).toBeVisible();
	await expectAccessible(page);
});

for (const javaScriptEnabled of [true, false]) {
	test(`a stranger types the code and uploads the signed file at /verify (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({
		browser
	}) => {
		const page = await stranger(browser, javaScriptEnabled);
		// axe runs as a script in the page, so it can only check with JavaScript on (the pages are the same).
		const axe = () => (javaScriptEnabled ? expectAccessible(page) : Promise.resolve());
		await page.goto('/sign-in');
		await page.getByRole('link', { name: 'Check a certificate' }).click();
		await expect(
			page.getByRole('heading', { level: 1, name: 'Check a certificate' })
		).toBeVisible();
		await expect(page.locator('meta[name="robots"]')).toHaveAttribute('content', /noindex/);
		await axe();

		// Nothing typed: the error summary says so, linked to the field.
		await page.getByRole('button', { name: 'Check code' }).click();
		const summary = page.getByTestId('error-summary');
		await expect(summary).toContainText('Enter the certificate code');
		if (javaScriptEnabled) await expect(summary).toBeFocused();
		await expect(page.getByLabel('Certificate code')).toHaveAttribute('aria-invalid', 'true');
		await axe();
		await page.getByLabel('Certificate code').fill('not a code');
		await page.getByRole('button', { name: 'Check code' }).click();
		await expect(summary).toContainText('16 letters and numbers');

		// Typed in lower case with spaces: still found.
		await page.getByLabel('Certificate code').fill(code.toLowerCase().replaceAll('-', ' '));
		await page.getByRole('button', { name: 'Check code' }).click();
		await expect(page).toHaveURL(`${E2E_BASE_URL}/verify/${code}`);
		await expect(page.getByRole('heading', { level: 1, name: 'Valid certificate' })).toBeVisible();

		// The signed file: as downloaded, it holds.
		await page.goto('/verify');
		await page.getByRole('button', { name: 'Check file' }).click();
		await expect(page.getByTestId('error-summary')).toContainText(
			'Choose the certificate file to check'
		);
		await page.getByLabel('Certificate file').setInputFiles({
			name: `certificate-${code}.json`,
			mimeType: 'application/json',
			buffer: Buffer.from(credential)
		});
		await page.getByRole('button', { name: 'Check file' }).click();
		await expect(page.getByText('The digital signature holds')).toBeVisible();
		await expect(page.getByRole('heading', { level: 3, name: 'Valid certificate' })).toBeVisible();
		if (javaScriptEnabled) await expect(page.locator('.file-result')).toBeFocused();
		await axe();

		// Changed by one name: the signature fails.
		const tampered = credential.replace(
			`"identityHash": "${learner.name}"`,
			'"identityHash": "Someone Else"'
		);
		expect(tampered).not.toBe(credential);
		await page.getByLabel('Certificate file').setInputFiles({
			name: 'tampered.json',
			mimeType: 'application/json',
			buffer: Buffer.from(tampered)
		});
		await page.getByRole('button', { name: 'Check file' }).click();
		await expect(
			page.getByRole('heading', { level: 3, name: 'Not a genuine certificate file' })
		).toBeVisible();
		await expect(page.getByText('The digital signature holds')).toHaveCount(0);
		await axe();

		// Not a credential at all.
		await page.getByLabel('Certificate file').setInputFiles({
			name: 'notes.json',
			mimeType: 'application/json',
			buffer: Buffer.from('hello')
		});
		await page.getByRole('button', { name: 'Check file' }).click();
		await expect(page.getByTestId('error-summary')).toContainText('not a certificate credential');
	});
}

test('the public keys are published at a stable URL, for anyone', async ({ request }) => {
	const response = await request.get('/verify/keys.json');
	expect(response.status()).toBe(200);
	expect(response.headers()['access-control-allow-origin']).toBe('*');
	const document = await response.json();
	const proof = JSON.parse(credential).proof;
	expect(document.id).toBe(`${E2E_BASE_URL}/verify/keys.json`);
	expect(document.verificationMethod.map((m: { id: string }) => m.id)).toContain(
		proof.verificationMethod
	);
	expect(document.verificationMethod[0]).toMatchObject({
		type: 'Multikey',
		publicKeyMultibase: expect.stringMatching(/^z6Mk/)
	});
});

test('managers download certificates of their own organisation only', async ({ browser }) => {
	const police = await signedIn(browser, 'policeManager');
	await police.goto(`/manage/certificates?q=${encodeURIComponent(learner.name)}`);
	await expect(police.getByRole('heading', { level: 1, name: 'Certificates' })).toBeVisible();
	await expectAccessible(police);
	await police.getByRole('link', { name: `${learner.name} (${course.title}, ${code})` }).click();
	await expect(
		police.getByRole('heading', { level: 1, name: `Certificate for ${learner.name}` })
	).toBeVisible();
	await expect(police.getByRole('button', { name: 'Revoke certificate' })).toHaveCount(0);
	await expectAccessible(police);
	const pdf = await download(police, () =>
		police.getByRole('link', { name: 'Download PDF' }).click()
	);
	expect(await pdfText(pdf.bytes)).toContain(learner.name);

	const council = await signedIn(browser, 'councilManager');
	const response = await council.goto(`/manage/certificates/${code}`);
	expect(response!.status()).toBe(404);
	expect((await council.request.get(`/manage/certificates/${code}/pdf`)).status()).toBe(404);
	await council.goto(`/manage/certificates?q=${code}`);
	await expect(council.getByRole('table')).toContainText('No certificates match this search');
});

test('an admin revokes it with a reason; the check then says revoked, with the date and not the reason', async ({
	browser
}) => {
	const admin = await signedIn(browser, 'admin');
	await admin.goto(`/manage/certificates?q=${code.toLowerCase()}`);
	await admin.getByRole('link', { name: new RegExp(`^${learner.name}`) }).click();
	await admin.getByRole('button', { name: 'Revoke certificate' }).click();
	await expect(admin.getByTestId('error-summary')).toBeFocused();
	await expect(admin.getByTestId('error-summary')).toContainText('Enter a reason');
	await expectAccessible(admin);
	const reason = 'Assessment taken by someone else on their account';
	await admin.getByLabel('Reason for revoking').fill(reason);
	await admin.getByRole('button', { name: 'Revoke certificate' }).click();
	await expect(admin.getByRole('status')).toContainText('Certificate revoked');
	await expect(admin.locator('dl')).toContainText(`Reason: ${reason}`);
	await expect(admin.getByRole('button', { name: 'Revoke certificate' })).toHaveCount(0);
	await expectAccessible(admin);
	await admin.goto('/admin/audit');
	await expect(admin.getByText(reason).first()).toBeVisible();

	const page = await stranger(browser);
	await page.goto(`/verify/${code}`);
	await expect(page.getByRole('heading', { level: 1, name: 'Revoked certificate' })).toBeVisible();
	await expect(
		page.getByText(`This certificate was revoked on ${formatDate(new Date())}.`)
	).toBeVisible();
	await expect(page.locator('main')).not.toContainText(reason);
	await expectAccessible(page);

	// The learner keeps the record, marked revoked, but can no longer download it.
	const own = await signedIn(browser, 'certLearner');
	await expect(own.getByRole('link', { name: /Download certificate for/ })).toHaveCount(0);
	await own.goto('/certificates');
	await expect(own.getByRole('row').filter({ hasText: code })).toContainText('Revoked');
	expect((await own.request.get(`/certificates/${code}/pdf`)).status()).toBe(410);
	await expectAccessible(own);
});

test('verification page: p50 and p95 of 200 sequential checks', async () => {
	const times: number[] = [];
	for (let i = 0; i < 200; i++) {
		const started = performance.now();
		const response = await fetch(`${E2E_BASE_URL}/verify/${code}`);
		await response.text();
		times.push(performance.now() - started);
		expect(response.status).toBe(200);
	}
	times.sort((a, b) => a - b);
	const at = (p: number) =>
		times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
	const report = `Verification page over 200 sequential requests: p50 ${at(50).toFixed(1)} ms, p95 ${at(95).toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms`;
	console.log(report);
	if (process.env.CERTIFICATE_PERF_LOG)
		fs.appendFileSync(process.env.CERTIFICATE_PERF_LOG, `${report}\n`);
	expect(at(95)).toBeLessThan(1000);
});

// Last: it locks this test run's address out of checking for 15 minutes.
test('too many codes that match nothing: 429 with Retry-After and a clear message', async ({
	browser
}) => {
	let last: Response | undefined;
	for (let i = 0; i < 25; i++) {
		last = await fetch(`${E2E_BASE_URL}/verify/0000-0000-0000-${String(i).padStart(4, '0')}`);
		if (last.status === 429) break;
	}
	expect(last!.status).toBe(429);
	expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(60);
	expect(last!.headers.get('x-robots-tag')).toMatch(/noindex/);
	const page = await stranger(browser);
	const response = await page.goto(`/verify/${code}`);
	expect(response!.status()).toBe(429);
	await expect(page.getByRole('heading', { level: 1, name: 'Too many attempts' })).toBeVisible();
	await expect(
		page.getByText(/too many certificate checks from your network\. Wait 15 minutes/)
	).toBeVisible();
	await expectAccessible(page);
});
