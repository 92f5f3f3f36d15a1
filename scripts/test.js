// `npm test`: unit and integration tests (Vitest), then the built app end to end (Playwright).
// Against PostgreSQL when TEST_DATABASE_URL or DATABASE_URL is set; otherwise the embedded database.
import { spawnSync } from 'node:child_process';

const started = performance.now();
const mode =
	process.env.TEST_DATABASE_URL || process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite';
console.log(`Testing against ${mode}.`);

function run(label, command, args, env = {}) {
	const t0 = performance.now();
	console.log(`\n── ${label} ──`);
	const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
	const seconds = ((performance.now() - t0) / 1000).toFixed(1);
	if (result.status !== 0) {
		console.error(`\n${label} failed after ${seconds} s.`);
		process.exit(result.status ?? 1);
	}
	console.log(`${label}: passed in ${seconds} s`);
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
run('Unit and integration tests (Vitest)', npx, ['vitest', 'run']);
// The app under test is the production build, started with `node`, never the dev server.
run('Build', npx, ['vite', 'build', '--logLevel', 'warn']);
run('End-to-end tests (Playwright, system Chromium)', npx, ['playwright', 'test']);
console.log(`\nAll tests passed in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
