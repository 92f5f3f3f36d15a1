import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A PostgreSQL server of the test's own (a new cluster in a temporary directory, on a port of its
 * own), which the test may stop and start as it likes without touching the shared server. Needs
 * the PostgreSQL server binaries (`initdb`, `pg_ctl`) on PATH or under /usr/lib/postgresql; as
 * root (CI), the server runs as the `postgres` user, since PostgreSQL refuses to run as root.
 */
export interface PrivatePostgres {
	url: string;
	port: number;
	/** Asynchronous, so that the test's own load keeps running meanwhile. */
	stop(mode?: 'fast' | 'immediate'): Promise<void>;
	start(): Promise<void>;
	destroy(): void;
}

function binary(name: string): string {
	for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
		const p = path.join(dir, name);
		if (fs.existsSync(p)) return p;
	}
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root)
		? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))
		: [];
	for (const v of versions) {
		const p = path.join(root, v, 'bin', name);
		if (fs.existsSync(p)) return p;
	}
	throw new Error(`${name} not found: install the PostgreSQL server package`);
}

export function startPrivatePostgres(port: number): PrivatePostgres {
	const asRoot = process.getuid?.() === 0;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-private-pg-'));
	const data = path.join(dir, 'data');
	if (asRoot) execFileSync('chown', ['-R', 'postgres', dir]);
	const command = (file: string, args: string[]): [string, string[]] =>
		asRoot ? ['runuser', ['-u', 'postgres', '--', binary(file), ...args]] : [binary(file), args];
	const runSync = (file: string, args: string[]) =>
		execFileSync(...command(file, args), { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
	const run = async (file: string, args: string[]) => {
		await promisify(execFile)(...command(file, args), { cwd: dir });
	};
	runSync('initdb', [
		'-D',
		data,
		'-U',
		'postgres',
		'-A',
		'trust',
		'--no-sync',
		'-E',
		'UTF8',
		'--locale=C'
	]);
	const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=on -c max_connections=60`;
	const startArgs = [
		'-D',
		data,
		'-o',
		options,
		'-l',
		path.join(dir, 'log'),
		'-w',
		'-t',
		'30',
		'start'
	];
	const stopArgs = (mode: string) => ['-D', data, '-m', mode, '-w', '-t', '30', 'stop'];
	runSync('pg_ctl', startArgs);
	return {
		url: `postgres://postgres@127.0.0.1:${port}/postgres`,
		port,
		start: () => run('pg_ctl', startArgs),
		stop: (mode = 'fast') => run('pg_ctl', stopArgs(mode)),
		destroy() {
			try {
				runSync('pg_ctl', stopArgs('immediate'));
			} catch {
				// already stopped
			}
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};
}
