import { expect, test } from '@playwright/test';
import { expectAccessible, signInAs } from '../support/helpers.ts';

test('pages carry the security headers and a nonce-based CSP', async ({ request }) => {
	const res = await request.get('/sign-in');
	const h = res.headers();
	expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
	expect(h['content-security-policy']).toMatch(/script-src 'self' 'nonce-/);
	expect(h['x-content-type-options']).toBe('nosniff');
	expect(h['referrer-policy']).toBe('strict-origin-when-cross-origin');
	expect(h['x-frame-options']).toBe('DENY');
	const health = await request.get('/healthz');
	expect(health.status()).toBe(200);
	expect(await health.json()).toEqual({ status: 'ok' });
});

test('bad input gets a clear 4xx, never a 500', async ({ request, baseURL }) => {
	// Accept text/html as a browser without JavaScript does (otherwise SvelteKit answers actions as JSON).
	const headers = { origin: baseURL!, accept: 'text/html' };
	const huge = await request.post('/sign-in', {
		form: { email: 'a'.repeat(100_000) + '@x.example', password: 'b'.repeat(100_000) },
		headers
	});
	expect(huge.status()).toBe(400);
	expect(await huge.text()).toContain('Enter a correct email address and password');
	const malformed = await request.post('/forgot-password', {
		data: '%%%not a form',
		headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }
	});
	expect(malformed.status()).toBeLessThan(500);
	const crossSite = await request.post('/sign-in', {
		form: { email: 'x@example.org', password: 'y' },
		headers: { ...headers, origin: 'https://evil.example' }
	});
	expect(crossSite.status()).toBe(403);
	const notFound = await request.get('/no-such-page');
	expect(notFound.status()).toBe(404);
	const badToken = await request.get('/invite/' + 'x'.repeat(5000));
	expect(badToken.status()).toBe(404);
});

test('the 404 page is accessible and helpful', async ({ page }) => {
	await signInAs(page, 'learner');
	const res = await page.goto('/manage/people/not-a-real-id');
	expect(res?.status()).toBe(403);
	await page.goto('/definitely/not/here');
	await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
	await expectAccessible(page);
});
