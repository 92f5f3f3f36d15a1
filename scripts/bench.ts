// `npm run bench`: a fresh PostgreSQL database with 20,000 demo learners, 12 courses and about
// 200,000 assignments and completions; the built app started on it; each route driven by 10
// concurrent connections. One JSON line per route: p50, p95, requests per second, and the ratio of
// its throughput to a trivial baseline route measured in the same run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/lib/server/db/client.ts';
import { migrate, rowsOf } from '../src/lib/server/db/migrate.ts';
import { readConfig } from '../src/lib/server/config.ts';
import { readPartnershipFile } from '../src/lib/server/partnership/seed-file.ts';
import { seedPartnership } from '../src/lib/server/partnership/service.ts';
import { registerCourses } from '../src/lib/server/courses/register.ts';
import { loadCatalogueFromDisk } from '../src/lib/server/courses/content-disk.ts';
import { seedDemo } from '../src/lib/server/demo/seed.ts';
import { createSession } from '../src/lib/server/auth/sessions.ts';

const LEARNERS = Number(process.env.BENCH_LEARNERS ?? 20_000);
const CONNECTIONS = 10;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const PORT = Number(process.env.BENCH_PORT ?? 4790);
const ROTATING_LEARNERS = 2_000;
const adminUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const root = path.resolve(import.meta.dirname, '..');
const log = (message: string) => process.stderr.write(`${message}\n`);

const name = `sl_bench_${Date.now().toString(36)}`;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
let server: ReturnType<typeof spawn> | undefined;

try {
	const config = readConfig();
	const handle = await openDatabase({ databaseUrl, dataDir: '' });
	await migrate(handle.db, config.migrationsDir);
	await seedPartnership(handle.db, readPartnershipFile(config.contentDir));
	await registerCourses(handle.db, loadCatalogueFromDisk(config.contentDir));
	const seedStart = performance.now();
	await seedDemo(handle.db, LEARNERS);
	const [counts] = rowsOf<{ people: number; courses: number; completions: number; assignments: number }>(
		await handle.db.execute(sql`select (select count(*) from users)::int as people, (select count(*) from courses where active)::int as courses,
			(select count(*) from completions)::int as completions, (select count(*) from assignments)::int as assignments`)
	);
	log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);
	const [largest] = rowsOf<{ id: string; name: string }>(await handle.db.execute(sql`select o.id, o.name from organisations o join users u on u.organisation_id = o.id group by o.id order by count(*) desc limit 1`));
	const [learner] = rowsOf<{ id: string }>(await handle.db.execute(sql`select id from users where is_demo and organisation_id = ${largest!.id} and audience = 'frontline' order by email limit 1`));
	const [manager] = rowsOf<{ id: string }>(await handle.db.execute(sql`select id from users where email = 'demo.manager@demo.invalid'`));
	const [adminUser] = rowsOf<{ id: string }>(await handle.db.execute(sql`select id from users where email = 'demo.admin@demo.invalid'`));
	const cookie = async (id: string) => `session=${(await createSession(handle.db, id)).token}`;
	const sessions = { learner: await cookie(learner!.id), manager: await cookie(manager!.id), admin: await cookie(adminUser!.id) };
	// The same page for many different learners in turn: nothing of one learner's is in memory for the next.
	const manyLearners = await Promise.all(
		rowsOf<{ id: string }>(await handle.db.execute(sql`select id from users where is_demo and status = 'active' and not is_admin order by md5(id::text) limit ${ROTATING_LEARNERS}`)).map((u) => cookie(u.id))
	);
	// A filter of the largest organisation's list with at least 5,000 rows, for the export floor.
	const [exportFilter] = rowsOf<{ course_id: string; n: number }>(
		await handle.db.execute(sql`select r.course_id, count(*)::int as n from requirements r join users u on (r.organisation_id is null or r.organisation_id = u.organisation_id)
			and (r.audience is null or r.audience = u.audience) where u.organisation_id = ${largest!.id} and u.status = 'active'
			group by r.course_id having count(*) >= 5000 order by count(*) limit 1`)
	);
	await handle.close();

	if (!fs.existsSync(path.join(root, 'build/index.js'))) {
		log('building the app');
		await run(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error']);
	}
	server = spawn(process.execPath, ['scripts/start.js'], {
		cwd: root,
		env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(PORT), ORIGIN: `http://127.0.0.1:${PORT}`, NODE_ENV: 'production', JOBS_DISABLED: 'true' },
		stdio: ['ignore', 'ignore', 'inherit']
	});
	const base = `http://127.0.0.1:${PORT}`;
	for (let i = 0; ; i++) {
		if (i > 300) throw new Error('server did not start');
		if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
		await new Promise((r) => setTimeout(r, 100));
	}

	const routes: { name: string; path: string; cookie?: string | string[] }[] = [
		{ name: 'baseline /healthz', path: '/healthz' },
		// A second, page-shaped baseline: the smallest page, rendered through the same layout and hooks.
		{ name: 'baseline page /forgot-password', path: '/forgot-password' },
		{ name: 'learner home', path: '/', cookie: sessions.learner },
		{ name: `learner home, ${ROTATING_LEARNERS} learners in turn`, path: '/', cookie: manyLearners },
		{ name: 'lesson page', path: '/courses/signs-of-abuse/lessons/your-part', cookie: sessions.learner },
		{ name: `manager dashboard (${largest!.name})`, path: `/manage?organisationId=${largest!.id}`, cookie: sessions.manager },
		{ name: 'partnership dashboard', path: '/admin/partnership', cookie: sessions.admin },
		{ name: `CSV export (${largest!.name}, all rows)`, path: `/manage/export.csv?organisationId=${largest!.id}`, cookie: sessions.manager }
	];
	let baselineRps = 0;
	let pageBaselineRps = 0;
	for (const route of routes) {
		const result = await load(`${base}${route.path}`, route.cookie);
		if (route.path === '/healthz') baselineRps = result.rps;
		if (route.path === '/forgot-password') pageBaselineRps = result.rps;
		console.log(JSON.stringify({ route: route.name, path: route.path, connections: CONNECTIONS, seconds: SECONDS, requests: result.count, errors: result.errors, p50_ms: result.p50, p95_ms: result.p95, rps: result.rps, throughput_vs_baseline: Number((result.rps / baselineRps).toFixed(3)), throughput_vs_page_baseline: pageBaselineRps ? Number((result.rps / pageBaselineRps).toFixed(3)) : null }));
	}
	// The export floor: one download at a time, median of five.
	if (exportFilter) {
		const times: number[] = [];
		let rows = 0;
		for (let i = 0; i < 5; i++) {
			const t0 = performance.now();
			const text = await (await fetch(`${base}/manage/export.csv?organisationId=${largest!.id}&courseId=${exportFilter.course_id}`, { headers: { cookie: sessions.manager } })).text();
			times.push(performance.now() - t0);
			rows = text.trim().split('\r\n').length - 1;
		}
		console.log(JSON.stringify({ route: `CSV export, single download of ${rows} rows`, median_ms: Math.round(median(times)), runs: times.map(Math.round) }));
	}
	console.log(JSON.stringify({ machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model}`, node: process.version, date: new Date().toISOString(), data: counts }));
} finally {
	server?.kill('SIGTERM');
	await new Promise((r) => setTimeout(r, 1000));
	if (!process.argv.includes('--keep')) await admin.unsafe(`drop database if exists ${name} with (force)`);
	else log(`kept database ${name}`);
	await admin.end();
}

function median(values: number[]) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

/** CONNECTIONS concurrent loops for SECONDS after a short warm-up; every response read fully. */
async function load(target: string, cookie?: string | string[]) {
	const cookies = typeof cookie === 'string' ? [cookie] : (cookie ?? []);
	let next = 0;
	const headersFor = (): Record<string, string> => (cookies.length ? { cookie: cookies[next++ % cookies.length]! } : {});
	const warmUntil = performance.now() + 1500;
	await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
		while (performance.now() < warmUntil) await (await fetch(target, { headers: headersFor() })).arrayBuffer();
	}));
	const latencies: number[] = [];
	let errors = 0;
	const start = performance.now();
	const until = start + SECONDS * 1000;
	await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
		while (performance.now() < until) {
			const t0 = performance.now();
			const res = await fetch(target, { headers: headersFor(), redirect: 'manual' });
			await res.arrayBuffer();
			if (res.status !== 200) errors++;
			latencies.push(performance.now() - t0);
		}
	}));
	const elapsed = (performance.now() - start) / 1000;
	latencies.sort((a, b) => a - b);
	const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 10) / 10;
	return { count: latencies.length, errors, p50: pct(50), p95: pct(95), rps: Math.round((latencies.length / elapsed) * 10) / 10 };
}

function run(cmd: string, args: string[]) {
	return new Promise<void>((resolve, reject) => {
		const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
		child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
	});
}
