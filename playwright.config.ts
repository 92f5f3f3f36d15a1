import { defineConfig, devices } from '@playwright/test';
import fs from 'node:fs';
import { E2E_BASE_URL } from './tests/e2e/support/server.ts';

/** The system Chromium (Debian's package, or CHROMIUM_PATH); Playwright never downloads a browser here. */
const systemChromium = [
	process.env.CHROMIUM_PATH,
	'/usr/bin/chromium',
	'/usr/bin/chromium-browser'
].find((p): p is string => Boolean(p && fs.existsSync(p)));

// Database-outage tests need a PostgreSQL server to cut off; the embedded database has none.
const postgresOnly =
	process.env.TEST_DATABASE_URL || process.env.DATABASE_URL ? [] : ['**/*.pg.e2e.ts'];
// Tests that assert how fast the server answers under their own load run after everything else,
// one at a time: beside a browser test on the other worker they measure the neighbour, not us.
const timedUnderLoad = ['**/database-outage.pg.e2e.ts'];

export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '**/*.e2e.ts',
	testIgnore: postgresOnly,
	fullyParallel: true,
	workers: 2,
	retries: process.env.CI ? 1 : 0,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	reporter: process.env.CI
		? [['list'], ['junit', { outputFile: 'test-results/e2e-junit.xml' }]]
		: 'list',
	globalSetup: './tests/e2e/support/global-setup.ts',
	projects: [
		{ name: 'journeys', testIgnore: [...postgresOnly, ...timedUnderLoad] },
		{
			name: 'timed under load',
			testMatch: timedUnderLoad,
			testIgnore: postgresOnly,
			dependencies: ['journeys'],
			fullyParallel: false
		}
	],
	use: {
		baseURL: E2E_BASE_URL,
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure',
		...devices['Desktop Chrome'],
		launchOptions: {
			executablePath: systemChromium,
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-dev-shm-usage',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--no-first-run'
			]
		}
	}
});
