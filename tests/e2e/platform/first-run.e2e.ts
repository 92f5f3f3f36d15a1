import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { extraPort, startServer } from '../support/server.ts';
import { expectAccessible } from '../support/helpers.ts';

/**
 * These start their own server on an empty embedded database: what a new user gets from
 * `npm start` with no configuration at all.
 */
test.describe.configure({ mode: 'serial' });

test('on an empty embedded database the server comes up, logs a one-time setup link, and the first admin is created from it', async ({
	page
}) => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-learning-first-run-'));
	const port = extraPort(20 + test.info().workerIndex);
	const server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '' }, port);
	try {
		console.log(
			`cold start on embedded PGlite (new data directory): ${Math.round(server.startupMs)} ms`
		);
		expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(true);
		const health = await fetch(`http://127.0.0.1:${port}/healthz`);
		expect(await health.json()).toEqual({ status: 'ok' });

		const lines = server
			.output()
			.split('\n')
			.filter((l) => l.includes('/setup/'));
		expect(lines).toHaveLength(1);
		const setupPath = /\/setup\/[a-z2-7]+/.exec(lines[0]!)![0];

		// A second process on the same data directory refuses clearly instead of corrupting it.
		const second = spawnSync(process.execPath, ['scripts/start.js'], {
			cwd: path.resolve(import.meta.dirname, '../../..'),
			env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: String(port + 50) },
			encoding: 'utf8',
			timeout: 30_000
		});
		expect(second.status).not.toBe(0);
		expect(second.stdout + second.stderr).toContain('is already in use by process');

		await page.goto(`http://127.0.0.1:${port}${setupPath}`);
		await expect(
			page.getByRole('heading', { name: 'Create the first partnership admin' })
		).toBeVisible();
		await expectAccessible(page);
		await page.getByRole('button', { name: 'Create admin account' }).click();
		await expect(page.getByTestId('error-summary')).toBeFocused();
		await expectAccessible(page);
		await page.getByLabel('Full name').fill('Sam Setup');
		await page.getByLabel('Email address').fill('sam.setup@kirklees.example');
		await page.getByLabel('Your organisation').selectOption({ label: 'Kirklees Council' });
		await page.getByLabel(/Front-line officer/).check();
		await page.getByLabel('New password', { exact: true }).fill('kestrel over castle hill');
		await page.getByLabel('Confirm new password').fill('kestrel over castle hill');
		await page.getByRole('button', { name: 'Create admin account' }).click();
		await expect(page).toHaveURL(/\/admin\?welcome=1$/);
		await expect(
			page.getByRole('heading', { level: 1, name: 'Partnership admin', exact: true })
		).toBeVisible();
		await expect(page.getByRole('banner')).toContainText('Safer Kirklees');

		// The link is single use.
		const again = await page.goto(`http://127.0.0.1:${port}${setupPath}`);
		expect(again?.status()).toBe(404);
	} finally {
		await server.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
});
