import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { serverUrl } from '../helpers/test-db.ts';

/**
 * PostgreSQL only. postgres.js 3.4.9 writes small messages from a setImmediate; when the socket
 * closed in between, it threw `Cannot read properties of null (reading 'write')` from that timer,
 * which nothing can catch, and the process died (upstream porsager/postgres#1154, #1208). Our patch
 * (patches/postgres+3.4.9.patch, applied by `npm ci`) makes the query fail with CONNECTION_CLOSED
 * instead. The race runs in a child process, so a crash shows as its exit code.
 */
it('a query on a connection whose socket has just closed is rejected, and the process lives on', () => {
	const script = path.resolve(import.meta.dirname, '../helpers/driver-close-race.ts');
	const run = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', script], {
		env: { ...process.env, RACE_DATABASE_URL: serverUrl },
		encoding: 'utf8',
		timeout: 20_000
	});
	expect(run.stderr).not.toMatch(/reading 'write'/);
	expect(run.status, run.stderr).toBe(0);
	expect(run.stdout).toContain('rejected CONNECTION_CLOSED');
	expect(run.stdout).toContain('pool still answers');
});
