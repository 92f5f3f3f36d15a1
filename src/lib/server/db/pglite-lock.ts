import fs from 'node:fs';
import path from 'node:path';

/**
 * PGlite is single-process: two processes on one data directory would corrupt it. We hold a lock
 * file with our PID and refuse to start when a live process holds it. A stale lock (its process is
 * gone) is taken over.
 */
export class DataDirectoryInUseError extends Error {
	constructor(dir: string, pid: number) {
		super(
			`The embedded database in ${dir} is already in use by process ${pid}. ` +
				'Only one process can use the embedded database at a time: stop the other process, ' +
				'or set DATABASE_URL to use PostgreSQL (which several instances can share).'
		);
		this.name = 'DataDirectoryInUseError';
	}
}

function processIsAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export function acquireDataDirLock(dir: string): () => void {
	fs.mkdirSync(dir, { recursive: true });
	const lockPath = path.join(dir, 'safer-learning.lock');
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
			const release = () => {
				try {
					if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
				} catch {
					// already gone
				}
			};
			process.once('exit', release);
			return release;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			const holder = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
			if (Number.isFinite(holder) && holder !== process.pid && processIsAlive(holder)) {
				throw new DataDirectoryInUseError(dir, holder);
			}
			fs.unlinkSync(lockPath); // stale: its process has gone
		}
	}
	throw new Error(`Could not lock the embedded database directory ${dir}`);
}
