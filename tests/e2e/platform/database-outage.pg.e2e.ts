import { expect, test } from '@playwright/test';
import { startServer } from '../support/server.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { expectAccessible } from '../support/helpers.ts';

/**
 * Runs only against PostgreSQL (*.pg.e2e.ts): the embedded database lives inside the app's own
 * process, so there is no separate server to lose. A TCP proxy between app and Postgres is cut
 * and restored, leaving the shared server untouched.
 */
test('while PostgreSQL is unreachable /healthz says 503 and pages answer a friendly 503; both recover by themselves', async ({ page }) => {
	const databaseUrl = process.env.E2E_DATABASE_URL;
	if (!databaseUrl) throw new Error('This file runs only against PostgreSQL (see playwright.config.ts)');
	const target = new URL(databaseUrl!);
	const proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
	const viaProxy = new URL(databaseUrl!);
	viaProxy.host = `127.0.0.1:${proxy.port}`;
	const port = 4300 + test.info().workerIndex;
	const server = await startServer({ DATABASE_URL: viaProxy.toString() }, port);
	try {
		console.log(`cold start on PostgreSQL (already migrated): ${Math.round(server.startupMs)} ms`);
		const base = `http://127.0.0.1:${port}`;
		proxy.cut();
		const down = await fetch(`${base}/healthz`);
		expect(down.status).toBe(503);
		expect(await down.json()).toMatchObject({ status: 'unavailable' });
		const pageDown = await page.goto(`${base}/sign-in`);
		expect(pageDown?.status()).toBe(503);
		await expect(page.getByRole('heading', { name: /temporarily unavailable/ })).toBeVisible();
		await expectAccessible(page);

		proxy.restore();
		await expect.poll(async () => (await fetch(`${base}/healthz`)).status, { timeout: 20_000 }).toBe(200);
		const pageUp = await page.goto(`${base}/sign-in`);
		expect(pageUp?.status()).toBe(200);
	} finally {
		await server.stop();
		await proxy.close();
	}
});
