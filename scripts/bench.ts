// `npm run bench [-- --learners 200000]`: a fresh PostgreSQL database with 20,000 (or the number
// given) demo learners, 12 courses, their assignments, completions and stored obligations; the
// built app started on it; each route driven by 10 concurrent connections (the SCORM commit by 20,
// against /healthz at 20). One JSON line per route: p50, p95, requests per second, and the ratio of
// its throughput to a trivial baseline route measured in the same run; then the CSV export and the
// reminder run, timed.
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
import { importPackage } from '../src/lib/server/scorm/packages.ts';
import { importDeps } from '../src/lib/server/scorm/deps.ts';
import { runReminders } from '../src/lib/server/reminders/service.ts';
import { GOLF_SCO_ITEMS } from '../tests/fixtures/scorm/golf-items.ts';

const argLearners = process.argv.indexOf('--learners');
const LEARNERS = Number(
	argLearners > 0 ? process.argv[argLearners + 1] : (process.env.BENCH_LEARNERS ?? 20_000)
);
const SCORM_CONNECTIONS = 20;
const CONNECTIONS = 10;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const PORT = Number(process.env.BENCH_PORT ?? 4790);
const ROTATING_LEARNERS = 2_000;
const adminUrl =
	process.env.BENCH_DATABASE_URL ||
	process.env.TEST_DATABASE_URL ||
	process.env.DATABASE_URL ||
	'postgres://postgres@127.0.0.1:5432/postgres';
const root = path.resolve(import.meta.dirname, '..');
const log = (message: string) => process.stderr.write(`${message}\n`);

const name = `sl_bench_${Date.now().toString(36)}`;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
let server: ReturnType<typeof spawn> | undefined;
// SCORM files where both this script and the server find them, removed afterwards.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-bench-'));
process.env.DATA_DIR = dataDir;

try {
	const config = readConfig();
	const handle = await openDatabase({ databaseUrl, dataDir: '' });
	await migrate(handle.db, config.migrationsDir);
	await seedPartnership(handle.db, readPartnershipFile(config.contentDir));
	await registerCourses(handle.db, loadCatalogueFromDisk(config.contentDir));
	const seedStart = performance.now();
	await seedDemo(handle.db, LEARNERS);
	const [counts] = rowsOf<{
		people: number;
		courses: number;
		completions: number;
		assignments: number;
		obligations: number;
	}>(
		await handle.db
			.execute(sql`select (select count(*) from users)::int as people, (select count(*) from courses where active)::int as courses,
			(select count(*) from completions)::int as completions, (select count(*) from assignments)::int as assignments,
			(select count(*) from obligations)::int as obligations`)
	);
	log(
		`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`
	);
	const [largest] = rowsOf<{ id: string; name: string }>(
		await handle.db.execute(
			sql`select o.id, o.name from organisations o join users u on u.organisation_id = o.id group by o.id order by count(*) desc limit 1`
		)
	);
	const [learner] = rowsOf<{ id: string }>(
		await handle.db.execute(
			sql`select id from users where is_demo and organisation_id = ${largest!.id} and audience = 'frontline' order by email limit 1`
		)
	);
	const [manager] = rowsOf<{ id: string }>(
		await handle.db.execute(sql`select id from users where email = 'demo.manager@demo.invalid'`)
	);
	const [adminUser] = rowsOf<{ id: string }>(
		await handle.db.execute(sql`select id from users where email = 'demo.admin@demo.invalid'`)
	);
	const cookie = async (id: string) => `session=${(await createSession(handle.db, id)).token}`;
	const sessions = {
		learner: await cookie(learner!.id),
		manager: await cookie(manager!.id),
		admin: await cookie(adminUser!.id)
	};
	// The same page for many different learners in turn: nothing of one learner's is in memory for the next.
	const manyLearners = await Promise.all(
		rowsOf<{ id: string }>(
			await handle.db.execute(
				sql`select id from users where is_demo and status = 'active' and not is_admin order by md5(id::text) limit ${ROTATING_LEARNERS}`
			)
		).map((u) => cookie(u.id))
	);
	// A filter of the largest organisation's list (one course) nearest 50,000 rows, for the export floor.
	const [exportFilter] = rowsOf<{ course_id: string; n: number }>(
		await handle.db
			.execute(sql`select r.course_id, count(*)::int as n from requirements r join users u on (r.organisation_id is null or r.organisation_id = u.organisation_id)
			and (r.audience is null or r.audience = u.audience) where u.organisation_id = ${largest!.id} and u.status = 'active'
			group by r.course_id having count(*) >= 5000 order by abs(count(*) - 50000) limit 1`)
	);
	// A learner in the largest organisation for the drill-down, with several obligations.
	const [drillDown] = rowsOf<{ user_id: string }>(
		await handle.db.execute(
			sql`select user_id from obligations where organisation_id = ${largest!.id} group by user_id order by count(*) desc, user_id limit 1`
		)
	);
	// A SCORM package (Golf Explained, 18 SCOs) for the commit endpoint.
	const [adminRow] = rowsOf<{ id: string; name: string; email: string; organisation_id: string }>(
		await handle.db.execute(
			sql`select id, name, email, organisation_id from users where email = 'demo.admin@demo.invalid'`
		)
	);
	const zip = path.join(root, 'tests/fixtures/scorm/RuntimeMinimumCalls_SCORM12.zip');
	const pkg = await importPackage(
		handle.db,
		{
			id: adminRow!.id,
			name: adminRow!.name,
			email: adminRow!.email,
			organisationId: adminRow!.organisation_id,
			teamId: null,
			audience: 'frontline',
			isAdmin: true,
			managedOrganisationIds: []
		},
		{ path: zip, name: 'golf.zip', size: fs.statSync(zip).size },
		{
			title: 'Golf explained (bench)',
			summary: '',
			audiences: ['frontline', 'community'],
			validityMonths: '0',
			estimatedMinutes: '30'
		},
		importDeps()
	);
	await handle.close();

	if (!fs.existsSync(path.join(root, 'build/index.js'))) {
		log('building the app');
		await run(process.execPath, [
			path.join(root, 'node_modules/vite/bin/vite.js'),
			'build',
			'--logLevel',
			'error'
		]);
	}
	server = spawn(process.execPath, ['scripts/start.js'], {
		cwd: root,
		env: {
			...process.env,
			DATABASE_URL: databaseUrl,
			PORT: String(PORT),
			CONTENT_PORT: String(PORT + 1),
			ORIGIN: `http://127.0.0.1:${PORT}`,
			NODE_ENV: 'production',
			JOBS_DISABLED: 'true',
			DATA_DIR: dataDir,
			CERTIFICATE_KEY_SECRET: process.env.CERTIFICATE_KEY_SECRET || 'bench secret, not for real use'
		},
		stdio: ['ignore', 'ignore', 'inherit']
	});
	const base = `http://127.0.0.1:${PORT}`;
	for (let i = 0; ; i++) {
		if (i > 300) throw new Error('server did not start');
		if (
			await fetch(`${base}/healthz`).then(
				(r) => r.ok,
				() => false
			)
		)
			break;
		await new Promise((r) => setTimeout(r, 100));
	}

	const routes: { name: string; path: string; cookie?: string | string[] }[] = [
		{ name: 'baseline /healthz', path: '/healthz' },
		// A second, page-shaped baseline: the smallest page, rendered through the same layout and hooks.
		{ name: 'baseline page /forgot-password', path: '/forgot-password' },
		{ name: 'learner home', path: '/', cookie: sessions.learner },
		{
			name: `learner home, ${ROTATING_LEARNERS} learners in turn`,
			path: '/',
			cookie: manyLearners
		},
		{
			name: 'lesson page',
			path: '/courses/signs-of-abuse/lessons/your-part',
			cookie: sessions.learner
		},
		{
			name: `manager dashboard (${largest!.name})`,
			path: `/manage?organisationId=${largest!.id}`,
			cookie: sessions.manager
		},
		{ name: 'partnership dashboard', path: '/admin/partnership', cookie: sessions.admin },
		{
			name: `person drill-down (${largest!.name})`,
			path: `/manage/people/${drillDown!.user_id}`,
			cookie: sessions.manager
		}
	];
	let baselineRps = 0;
	let pageBaselineRps = 0;
	for (const route of routes) {
		const result = await load(`${base}${route.path}`, route.cookie);
		if (route.path === '/healthz') baselineRps = result.rps;
		if (route.path === '/forgot-password') pageBaselineRps = result.rps;
		console.log(
			JSON.stringify({
				route: route.name,
				path: route.path,
				connections: CONNECTIONS,
				seconds: SECONDS,
				requests: result.count,
				errors: result.errors,
				p50_ms: result.p50,
				p95_ms: result.p95,
				rps: result.rps,
				throughput_vs_baseline: Number((result.rps / baselineRps).toFixed(3)),
				throughput_vs_page_baseline: pageBaselineRps
					? Number((result.rps / pageBaselineRps).toFixed(3))
					: null
			})
		);
	}
	// The learner home again on a second instance without the per-instance session cache, with the
	// smallest page on that instance as its baseline, so both figures come from the same run.
	{
		const port = PORT + 2;
		const second = spawn(process.execPath, ['scripts/start.js'], {
			cwd: root,
			env: {
				...process.env,
				DATABASE_URL: databaseUrl,
				PORT: String(port),
				CONTENT_SERVER: 'off',
				ORIGIN: `http://127.0.0.1:${port}`,
				NODE_ENV: 'production',
				JOBS_DISABLED: 'true',
				DATA_DIR: dataDir,
				SESSION_CACHE: 'off',
				// production refuses to start without it; the same one as the first instance
				CERTIFICATE_KEY_SECRET:
					process.env.CERTIFICATE_KEY_SECRET || 'bench secret, not for real use'
			},
			stdio: ['ignore', 'ignore', 'inherit']
		});
		try {
			const base2 = `http://127.0.0.1:${port}`;
			for (let i = 0; ; i++) {
				if (i > 300) throw new Error('second server did not start');
				if (
					await fetch(`${base2}/healthz`).then(
						(r) => r.ok,
						() => false
					)
				)
					break;
				await new Promise((r) => setTimeout(r, 100));
			}
			let page = 0;
			for (const route of [
				{ name: 'baseline page /forgot-password (no session cache)', path: '/forgot-password' },
				{ name: 'learner home, no session cache', path: '/', cookie: sessions.learner },
				{
					name: `learner home, ${ROTATING_LEARNERS} learners in turn, no session cache`,
					path: '/',
					cookie: manyLearners
				}
			]) {
				const result = await load(`${base2}${route.path}`, route.cookie);
				if (!route.cookie) page = result.rps;
				console.log(
					JSON.stringify({
						route: route.name,
						path: route.path,
						connections: CONNECTIONS,
						seconds: SECONDS,
						requests: result.count,
						errors: result.errors,
						p50_ms: result.p50,
						p95_ms: result.p95,
						rps: result.rps,
						throughput_vs_page_baseline: Number((result.rps / page).toFixed(3))
					})
				);
			}
		} finally {
			second.kill('SIGTERM');
		}
	}
	// The SCORM commit endpoint at 20 connections, against /healthz at 20 in the same run.
	{
		const items = GOLF_SCO_ITEMS;
		const launches: { launchId: string; token: string; sequenceBase: number; n: number }[] = [];
		for (const item of items) {
			const res = await fetch(`${base}/api/scorm/launch`, {
				method: 'POST',
				headers: { cookie: sessions.learner, origin: base, 'content-type': 'application/json' },
				body: JSON.stringify({ slug: pkg.courseSlug, item, via: 'choice' })
			});
			if (res.status !== 200) throw new Error(`SCORM launch: ${res.status} ${await res.text()}`);
			launches.push({
				...((await res.json()) as { launchId: string; token: string; sequenceBase: number }),
				n: 0
			});
		}
		const cmi = (n: number) => ({
			cmi: {
				suspend_data: `page=${n}`.padEnd(200, '.'),
				launch_data: '',
				comments: '',
				core: {
					student_id: 'x',
					student_name: 'Bench, Ben',
					lesson_location: String(n),
					credit: 'credit',
					lesson_status: 'incomplete',
					entry: 'ab-initio',
					lesson_mode: 'normal',
					exit: 'suspend',
					session_time: '00:00:10',
					score: { raw: '', min: '', max: '' }
				},
				objectives: {},
				student_data: { mastery_score: '', max_time_allowed: '', time_limit_action: '' },
				student_preference: { audio: '', language: '', speed: '', text: '' },
				interactions: {}
			}
		});
		let worker = 0;
		const healthz = await loadWith(SCORM_CONNECTIONS, () => fetch(`${base}/healthz`));
		const commits = await loadWith(SCORM_CONNECTIONS, () => {
			const l = launches[worker++ % launches.length]!;
			l.n += 1;
			return fetch(`${base}/api/scorm/commit`, {
				method: 'POST',
				headers: { cookie: sessions.learner, origin: base, 'content-type': 'application/json' },
				body: JSON.stringify({
					launchId: l.launchId,
					token: l.token,
					seq: l.sequenceBase + l.n,
					cmi: cmi(l.n)
				})
			});
		});
		console.log(
			JSON.stringify({
				route: `baseline /healthz, ${SCORM_CONNECTIONS} connections`,
				connections: SCORM_CONNECTIONS,
				seconds: SECONDS,
				requests: healthz.count,
				errors: healthz.errors,
				p50_ms: healthz.p50,
				p95_ms: healthz.p95,
				rps: healthz.rps
			})
		);
		console.log(
			JSON.stringify({
				route: `SCORM commit (18 SCOs), ${SCORM_CONNECTIONS} connections`,
				connections: SCORM_CONNECTIONS,
				seconds: SECONDS,
				requests: commits.count,
				errors: commits.errors,
				p50_ms: commits.p50,
				p95_ms: commits.p95,
				rps: commits.rps,
				throughput_vs_healthz_same_connections: Number((commits.rps / healthz.rps).toFixed(3))
			})
		);
	}
	// The export floor: one download at a time, median of five.
	if (exportFilter) {
		const times: number[] = [];
		let rows = 0;
		for (let i = 0; i < 5; i++) {
			const t0 = performance.now();
			const text = await (
				await fetch(
					`${base}/manage/export.csv?organisationId=${largest!.id}&courseId=${exportFilter.course_id}`,
					{ headers: { cookie: sessions.manager } }
				)
			).text();
			times.push(performance.now() - t0);
			rows = text.trim().split('\r\n').length - 1;
		}
		console.log(
			JSON.stringify({
				route: `CSV export, single download of ${rows} rows`,
				median_ms: Math.round(median(times)),
				runs: times.map(Math.round)
			})
		);
	}
	// The export of the largest organisation's every row: one download, time and server memory.
	{
		const rssBefore = Number(
			fs.readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0
		);
		let peak = rssBefore;
		const sampler = setInterval(() => {
			try {
				peak = Math.max(
					peak,
					Number(
						fs.readFileSync(`/proc/${server!.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0
					)
				);
			} catch {
				// not on Linux
			}
		}, 50);
		const t0 = performance.now();
		const text = await (
			await fetch(`${base}/manage/export.csv?organisationId=${largest!.id}`, {
				headers: { cookie: sessions.manager }
			})
		).text();
		const ms = performance.now() - t0;
		clearInterval(sampler);
		console.log(
			JSON.stringify({
				route: `CSV export, single download of every row of ${largest!.name}`,
				rows: text.trim().split('\r\n').length - 1,
				ms: Math.round(ms),
				server_rss_mib_before: Math.round(rssBefore / 1024),
				server_rss_mib_peak: Math.round(peak / 1024)
			})
		);
	}
	// The reminder run, in this process on the same database: the first catches up on everything
	// due (every overdue person's first reminder), the second is an ordinary hourly run.
	{
		const reminderHandle = await openDatabase({ databaseUrl, dataDir: '' });
		for (const [label, at] of [
			['first run (catch-up)', new Date()],
			['next hourly run', new Date(Date.now() + 3_600_000)]
		] as const) {
			const t0 = performance.now();
			const sent = await runReminders(reminderHandle.db, at, { origin: base });
			console.log(
				JSON.stringify({
					route: `reminder run, ${label}`,
					ms: Math.round(performance.now() - t0),
					...sent
				})
			);
		}
		await reminderHandle.close();
	}
	await (
		await import('./bench-process.ts')
	).benchProcess({ databaseUrl, port: PORT + 10, loadedServerPid: server.pid }); // idle and peak RSS, cold starts (issue 18)
	console.log(
		JSON.stringify({
			machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model}`,
			node: process.version,
			date: new Date().toISOString(),
			data: counts
		})
	);
} finally {
	server?.kill('SIGTERM');
	await new Promise((r) => setTimeout(r, 1000));
	if (!process.argv.includes('--keep'))
		await admin.unsafe(`drop database if exists ${name} with (force)`);
	else log(`kept database ${name}`);
	await admin.end();
	fs.rmSync(dataDir, { recursive: true, force: true });
}

function median(values: number[]) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

/** CONNECTIONS concurrent loops for SECONDS after a short warm-up; every response read fully. */
async function load(target: string, cookie?: string | string[]) {
	const cookies = typeof cookie === 'string' ? [cookie] : (cookie ?? []);
	let next = 0;
	const headersFor = (): Record<string, string> =>
		cookies.length ? { cookie: cookies[next++ % cookies.length]! } : {};
	return loadWith(CONNECTIONS, () => fetch(target, { headers: headersFor(), redirect: 'manual' }));
}

/** `connections` concurrent loops of `send` for SECONDS after a short warm-up; every response read fully. */
async function loadWith(connections: number, send: () => Promise<Response>) {
	const warmUntil = performance.now() + 1500;
	await Promise.all(
		Array.from({ length: connections }, async () => {
			while (performance.now() < warmUntil) await (await send()).arrayBuffer();
		})
	);
	const latencies: number[] = [];
	let errors = 0;
	const start = performance.now();
	const until = start + SECONDS * 1000;
	await Promise.all(
		Array.from({ length: connections }, async () => {
			while (performance.now() < until) {
				const t0 = performance.now();
				const res = await send();
				await res.arrayBuffer();
				if (res.status !== 200) errors++;
				latencies.push(performance.now() - t0);
			}
		})
	);
	const elapsed = (performance.now() - start) / 1000;
	latencies.sort((a, b) => a - b);
	const pct = (p: number) =>
		Math.round(
			latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 10
		) / 10;
	return {
		count: latencies.length,
		errors,
		p50: pct(50),
		p95: pct(95),
		rps: Math.round((latencies.length / elapsed) * 10) / 10
	};
}

function run(cmd: string, args: string[]) {
	return new Promise<void>((resolve, reject) => {
		const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
		child.on('exit', (code) =>
			code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))
		);
	});
}
