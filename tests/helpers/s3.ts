import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Settings } from '../../src/lib/server/scorm/settings.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 's3rver-process.mjs');

/**
 * Starts s3rver (a real S3-compatible server, files on disk) in a child process on a free local
 * port (or `port`), with one bucket. `stop()` takes it down (a bucket that is down); `start()` again
 * on the same port and data brings it back.
 */
export async function startTestS3(options: { bucket?: string; port?: number } = {}) {
	const bucket = options.bucket ?? 'learning';
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
	let child: ChildProcess | undefined;
	let port = options.port ?? 0;
	async function start() {
		child = spawn(
			process.execPath,
			['--openssl-legacy-provider', SCRIPT, directory, bucket, String(port)],
			{ stdio: ['ignore', 'pipe', 'inherit'] }
		);
		port = await new Promise<number>((resolve, reject) => {
			let out = '';
			child!.stdout!.on('data', (d: Buffer) => {
				out += d.toString();
				const m = /listening (\d+)/.exec(out);
				if (m) resolve(Number(m[1]));
			});
			child!.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
		});
	}
	async function stop() {
		const c = child;
		child = undefined;
		if (!c || c.exitCode !== null) return;
		await new Promise<void>((resolve) => {
			c.once('exit', () => resolve());
			c.kill('SIGTERM');
		});
	}
	await start();
	const settings: S3Settings = {
		endpoint: `http://127.0.0.1:${port}`,
		bucket,
		region: 'us-east-1',
		accessKeyId: 'S3RVER',
		secretAccessKey: 'S3RVER',
		prefix: 'scorm',
		pathStyle: true,
		maxAttempts: 2
	};
	return {
		settings,
		directory,
		start,
		stop,
		close: async () => {
			await stop();
			fs.rmSync(directory, { recursive: true, force: true });
		}
	};
}
