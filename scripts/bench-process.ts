// `npm run bench:process` (and the end of `npm run bench`): what one server process costs to run.
// - cold start: from spawning `node scripts/start.js` until /sign-in answers 200, on an existing
//   PostgreSQL database and on an existing embedded (PGlite) one, plus a fresh embedded one;
// - RSS at rest: after the first home, course and lesson pages, once the process has settled;
// - peak RSS under load: the kernel's high-water mark (VmHWM) after the bench's routes.
// Each figure is the median of three runs. One JSON line per figure on stdout.
//
// Standalone: `BENCH_PROCESS_DATABASE_URL=postgres://…/db npm run bench:process` on an existing
// database already seeded with `npm run demo:seed` (the bench's 20,000 learners). Without it, the
// bench's own database is used when called from scripts/bench.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/lib/server/db/client.ts';
import { rowsOf } from '../src/lib/server/db/migrate.ts';
import { createSession } from '../src/lib/server/auth/sessions.ts';

const root = path.resolve(import.meta.dirname, '..');
/** Another checkout's build to measure instead (a baseline in the same run), e.g. the commit before a change. */
const appDir = process.env.BENCH_PROCESS_APP_DIR
	? path.resolve(process.env.BENCH_PROCESS_APP_DIR)
	: root;
const RUNS = Number(process.env.BENCH_PROCESS_RUNS ?? 3);
const LOAD_SECONDS = Number(process.env.BENCH_PROCESS_LOAD_SECONDS ?? 3);
const CONNECTIONS = 10;
const log = (message: string) => process.stderr.write(`${message}\n`);
const mb = (kb: number) => Math.round(kb / 102.4) / 10;

interface Sessions {
	learner: string;
	manager: string;
	admin: string;
	organisationId: string;
}

/** VmRSS and VmHWM (peak) of a process, in kB, from /proc (Linux). */
export function memoryOf(pid: number): { rssKb: number; peakKb: number } {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const field = (name: string) =>
		Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
	return { rssKb: field('VmRSS'), peakKb: field('VmHWM') };
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

interface Started {
	child: ChildProcess;
	base: string;
	coldStartMs: number;
	stop(): Promise<void>;
}

/** Starts the built app and waits for the sign-in page; the time is the cold start. */
async function startServer(env: Record<string, string>, port: number): Promise<Started> {
	const base = `http://127.0.0.1:${port}`;
	const t0 = performance.now();
	const child = spawn(process.execPath, ['scripts/start.js'], {
		cwd: appDir,
		env: {
			...process.env,
			NODE_ENV: 'production',
			PORT: String(port),
			CONTENT_PORT: String(port + 1),
			ORIGIN: base,
			// production refuses to start without it; the bench's own servers use the same one
			CERTIFICATE_KEY_SECRET:
				process.env.CERTIFICATE_KEY_SECRET || 'bench secret, not for real use',
			...env
		},
		stdio: ['ignore', process.env.BENCH_PROCESS_VERBOSE ? 'inherit' : 'ignore', 'inherit']
	});
	let exited = false;
	const gone = new Promise<void>((resolve) =>
		child.once('exit', () => {
			exited = true;
			resolve();
		})
	);
	for (;;) {
		if (exited) throw new Error('server exited before it answered');
		if (performance.now() - t0 > 120_000) throw new Error('server did not start in 120 s');
		const ok = await fetch(`${base}/sign-in`).then(
			(r) => r.ok,
			() => false
		);
		if (ok) break;
		await new Promise((r) => setTimeout(r, 10));
	}
	const coldStartMs = performance.now() - t0;
	return {
		child,
		base,
		coldStartMs,
		stop: async () => {
			if (!exited) child.kill('SIGTERM');
			await gone;
		}
	};
}

async function get(url: string, cookie?: string): Promise<number> {
	const res = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
	await res.arrayBuffer();
	return res.status;
}

/** The first pages an operator's users would open: home, a course, a lesson. */
async function firstPages(base: string, s: Sessions): Promise<void> {
	for (const p of ['/', '/courses/signs-of-abuse', '/courses/signs-of-abuse/lessons/your-part']) {
		const status = await get(`${base}${p}`, s.learner);
		if (status !== 200) throw new Error(`${p} answered ${status}`);
	}
}

/** The bench's routes, CONNECTIONS at once for LOAD_SECONDS each. */
async function benchLoad(
	base: string,
	s: Sessions,
	pid: number
): Promise<{ peakAfter: Record<string, number>; rps: Record<string, number> }> {
	const peakAfter: Record<string, number> = {};
	const rps: Record<string, number> = {};
	const routes: [string, string?][] = [
		['/healthz'],
		['/forgot-password'],
		['/', s.learner],
		['/courses/signs-of-abuse/lessons/your-part', s.learner],
		[`/manage?organisationId=${s.organisationId}`, s.manager],
		['/admin/partnership', s.admin],
		[`/manage/export.csv?organisationId=${s.organisationId}`, s.manager]
	];
	for (const [p, cookie] of routes) {
		const t0 = performance.now();
		const until = t0 + LOAD_SECONDS * 1000;
		let count = 0;
		await Promise.all(
			Array.from({ length: CONNECTIONS }, async () => {
				// At least one full response per connection (the CSV export takes seconds under load).
				do {
					await get(`${base}${p}`, cookie);
					count++;
				} while (performance.now() < until);
			})
		);
		const route = p.replace(/\?.*/, '');
		peakAfter[route] = mb(memoryOf(pid).peakKb);
		rps[route] = Math.round((count / ((performance.now() - t0) / 1000)) * 10) / 10;
	}
	return { peakAfter, rps };
}

async function sessionsFor(databaseUrl: string): Promise<Sessions> {
	const handle = await openDatabase({ databaseUrl, dataDir: '' });
	try {
		const one = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await handle.db.execute(q))[0];
		const largest = await one<{ id: string }>(
			sql`select o.id from organisations o join users u on u.organisation_id = o.id group by o.id order by count(*) desc limit 1`
		);
		const learner = await one<{ id: string }>(
			sql`select id from users where is_demo and organisation_id = ${largest!.id} and audience = 'frontline' order by email limit 1`
		);
		const manager = await one<{ id: string }>(
			sql`select id from users where email = 'demo.manager@demo.invalid'`
		);
		const admin = await one<{ id: string }>(
			sql`select id from users where email = 'demo.admin@demo.invalid'`
		);
		if (!learner || !manager || !admin)
			throw new Error('run `npm run demo:seed -- --learners 20000` on this database first');
		const cookie = async (id: string) => `session=${(await createSession(handle.db, id)).token}`;
		return {
			learner: await cookie(learner.id),
			manager: await cookie(manager.id),
			admin: await cookie(admin.id),
			organisationId: largest!.id
		};
	} finally {
		await handle.close();
	}
}

function report(
	figure: string,
	values: number[],
	unit: 'ms' | 'MB',
	extra: Record<string, unknown> = {}
) {
	const rounded = values.map((v) => (unit === 'ms' ? Math.round(v) : Math.round(v * 10) / 10));
	console.log(JSON.stringify({ figure, median: median(rounded), unit, runs: rounded, ...extra }));
}

export interface ProcessBenchOptions {
	/** an existing, migrated and demo-seeded PostgreSQL database */
	databaseUrl: string;
	port: number;
	/** the bench's own server, already driven by the bench's load: its VmHWM is reported as one more peak figure */
	loadedServerPid?: number;
	/** also measure the embedded database (on by default) */
	embedded?: boolean;
}

export async function benchProcess(options: ProcessBenchOptions): Promise<void> {
	const { databaseUrl, port } = options;
	if (!fs.existsSync(path.join(appDir, 'build/index.js')))
		throw new Error('build the app first (npx vite build)');
	if (options.loadedServerPid) {
		const m = memoryOf(options.loadedServerPid);
		console.log(
			JSON.stringify({
				figure: 'peak RSS of the bench server after all its routes',
				value: mb(m.peakKb),
				rss_now: mb(m.rssKb),
				unit: 'MB'
			})
		);
	}
	const sessions = await sessionsFor(databaseUrl);
	const pgEnv = {
		DATABASE_URL: databaseUrl,
		JOBS_DISABLED: process.env.BENCH_PROCESS_JOBS === 'on' ? 'false' : 'true'
	};

	// One unmeasured start, so the first measured one does not pay for cold disk caches.
	await (await startServer(pgEnv, port)).stop();
	const cold: number[] = [];
	const idle: number[] = [];
	const startRss: number[] = [];
	const peak: number[] = [];
	const peakByRoute: Record<string, number>[] = [];
	const rpsByRoute: Record<string, number>[] = [];
	for (let i = 0; i < RUNS; i++) {
		const server = await startServer(pgEnv, port);
		try {
			cold.push(server.coldStartMs);
			await new Promise((r) => setTimeout(r, 1000));
			startRss.push(mb(memoryOf(server.child.pid!).rssKb));
			await firstPages(server.base, sessions);
			await new Promise((r) => setTimeout(r, 2000));
			idle.push(mb(memoryOf(server.child.pid!).rssKb));
			const loaded = await benchLoad(server.base, sessions, server.child.pid!);
			peakByRoute.push(loaded.peakAfter);
			rpsByRoute.push(loaded.rps);
			peak.push(mb(memoryOf(server.child.pid!).peakKb));
		} finally {
			await server.stop();
		}
	}
	report('cold start, existing PostgreSQL database (until /sign-in answers)', cold, 'ms', {
		jobs: pgEnv.JOBS_DISABLED === 'true' ? 'off' : 'on'
	});
	report('RSS right after start, before any page (PostgreSQL)', startRss, 'MB');
	report('RSS at rest after the first home, course and lesson pages (PostgreSQL)', idle, 'MB');
	report(
		`peak RSS under the bench's routes, ${CONNECTIONS} connections, ${LOAD_SECONDS} s each (PostgreSQL)`,
		peak,
		'MB',
		{ peak_after_each_route: peakByRoute, requests_per_second: rpsByRoute }
	);

	if (options.embedded === false) return;
	const dirs: string[] = [];
	try {
		const fresh: number[] = [];
		const existing: number[] = [];
		for (let i = 0; i < RUNS; i++) {
			const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-bench-embedded-'));
			dirs.push(dir);
			const env = { DATABASE_URL: '', DATA_DIR: dir, EMBEDDED_DATABASE: 'true' };
			const first = await startServer(env, port);
			fresh.push(first.coldStartMs);
			await first.stop();
			const again = await startServer(env, port);
			existing.push(again.coldStartMs);
			await again.stop();
		}
		report('cold start, new embedded database (until /sign-in answers)', fresh, 'ms');
		report('cold start, existing embedded database (until /sign-in answers)', existing, 'ms');
	} finally {
		for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
	}
}

if (import.meta.main) {
	const databaseUrl = process.env.BENCH_PROCESS_DATABASE_URL;
	if (!databaseUrl) {
		log(
			'Set BENCH_PROCESS_DATABASE_URL to an existing database seeded with `npm run demo:seed -- --learners 20000`.'
		);
		process.exit(2);
	}
	await benchProcess({
		databaseUrl,
		port: Number(process.env.BENCH_PROCESS_PORT ?? 4794),
		embedded: process.env.BENCH_PROCESS_EMBEDDED !== 'off'
	});
	console.log(
		JSON.stringify({
			app: appDir,
			machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model}`,
			node: process.version,
			load: os
				.loadavg()
				.map((l) => l.toFixed(1))
				.join(' '),
			date: new Date().toISOString()
		})
	);
}
