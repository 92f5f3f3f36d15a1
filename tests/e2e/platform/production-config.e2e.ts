import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { extraPort } from '../support/server.ts';

/**
 * In production the server refuses to start on a configuration that would go wrong silently:
 * links pointing at localhost, a single-process embedded database nobody chose, or the
 * certificate signing key kept unencrypted.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const complete = {
	NODE_ENV: 'production',
	ORIGIN: 'https://learning.example.org',
	EMBEDDED_DATABASE: 'true',
	CERTIFICATE_KEY_SECRET: 'a long random secret for this test'
};

function start(env: Record<string, string | undefined>) {
	return spawnSync(process.execPath, ['scripts/start.js'], {
		cwd: ROOT,
		env: {
			...process.env,
			DATABASE_URL: undefined,
			DATA_DIR: '/nonexistent/never-created',
			PORT: String(extraPort(70)),
			...env
		},
		encoding: 'utf8',
		timeout: 30_000
	});
}

for (const [missing, message] of [
	['ORIGIN', /Set ORIGIN/],
	['EMBEDDED_DATABASE', /Set DATABASE_URL .* or EMBEDDED_DATABASE=true/],
	['CERTIFICATE_KEY_SECRET', /Set CERTIFICATE_KEY_SECRET/]
] as const) {
	test(`production without ${missing} refuses to start, saying what to set`, () => {
		const run = start({ ...complete, [missing]: undefined });
		expect(run.status, run.stdout + run.stderr).not.toBe(0);
		expect(run.stdout + run.stderr).toMatch(message);
		expect(run.stdout + run.stderr).not.toContain('Listening on');
	});
}
