import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const E2E_PORT = Number(process.env.E2E_PORT ?? 4173);
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
/**
 * Extra servers a test starts get ports from E2E_PORT, so parallel runs on one machine never
 * collide. Offsets in use (keep them distinct, two workers run at once): 1 content server; 20–21
 * first run; 30–31 outage; 40–41 reminders; 50–51 two instances; 60–65 five-stop outage; 70
 * production config; 74–77 fuzz; 80–82 S3 upload; 86–87 metrics; 90–92 test identity providers.
 */
export function extraPort(offset: number): number {
	return E2E_PORT + offset;
}
const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface RunningServer {
	process: ChildProcess;
	output: () => string;
	stop: () => Promise<void>;
	/** Milliseconds from spawn to the first 200 from /healthz. */
	startupMs: number;
}

/** Starts the built app (`node scripts/start.js`) and waits until /healthz answers 200. */
export async function startServer(
	env: Record<string, string | undefined>,
	port: number,
	timeoutMs = 60_000
): Promise<RunningServer> {
	const started = performance.now();
	let output = '';
	const child = spawn(process.execPath, ['scripts/start.js'], {
		cwd: ROOT,
		env: {
			...process.env,
			DATABASE_URL: undefined,
			NODE_ENV: 'production',
			PORT: String(port),
			ORIGIN: `http://127.0.0.1:${port}`,
			// production refuses to start without these (see README "Configure")
			EMBEDDED_DATABASE: env.DATABASE_URL ? undefined : 'true',
			CERTIFICATE_KEY_SECRET: 'e2e certificate key secret, not for real use',
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout!.on('data', (d) => (output += d));
	child.stderr!.on('data', (d) => (output += d));
	const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
	const stop = async () => {
		if (child.exitCode === null) {
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
			await exited;
			clearTimeout(timer);
		}
	};
	while (performance.now() - started < timeoutMs) {
		if (child.exitCode !== null)
			throw new Error(`server exited with ${child.exitCode}:\n${output}`);
		try {
			const res = await fetch(`http://127.0.0.1:${port}/healthz`);
			if (res.ok)
				return {
					process: child,
					output: () => output,
					stop,
					startupMs: performance.now() - started
				};
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	await stop();
	throw new Error(`server did not become healthy within ${timeoutMs} ms:\n${output}`);
}

/**
 * The shared server's log lines so far, parsed (global-setup copies its output to the file named
 * by E2E_SERVER_LOG_FILE), so a test can check what the server logged for an operator.
 */
export function sharedServerLog(): Record<string, unknown>[] {
	const file = process.env.E2E_SERVER_LOG_FILE;
	if (!file) throw new Error('E2E_SERVER_LOG_FILE is not set: run the tests through Playwright');
	return fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.flatMap((line) => {
			try {
				return [JSON.parse(line) as Record<string, unknown>];
			} catch {
				return []; // not a log line, or the last one still being written
			}
		});
}
