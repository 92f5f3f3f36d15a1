import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const E2E_PORT = Number(process.env.E2E_PORT ?? 4173);
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface RunningServer {
	process: ChildProcess;
	output: () => string;
	stop: () => Promise<void>;
	/** Milliseconds from spawn to the first 200 from /healthz. */
	startupMs: number;
}

/** Starts the built app (`node scripts/start.js`) and waits until /healthz answers 200. */
export async function startServer(env: Record<string, string | undefined>, port: number, timeoutMs = 60_000): Promise<RunningServer> {
	const started = performance.now();
	let output = '';
	const child = spawn(process.execPath, ['scripts/start.js'], {
		cwd: ROOT,
		env: { ...process.env, DATABASE_URL: undefined, NODE_ENV: 'production', PORT: String(port), ORIGIN: `http://127.0.0.1:${port}`, ...env },
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
		if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
		try {
			const res = await fetch(`http://127.0.0.1:${port}/healthz`);
			if (res.ok) return { process: child, output: () => output, stop, startupMs: performance.now() - started };
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	await stop();
	throw new Error(`server did not become healthy within ${timeoutMs} ms:\n${output}`);
}
