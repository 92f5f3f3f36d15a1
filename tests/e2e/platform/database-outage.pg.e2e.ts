import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { extraPort, startServer, type RunningServer } from '../support/server.ts';
import { startPrivatePostgres } from '../support/private-postgres.ts';
import { FIXTURES } from '../scorm/support.ts';
import { makePerson } from '../../helpers/people.ts';
import { openDatabase, type DatabaseHandle } from '../../../src/lib/server/db/client.ts';
import { createSession, SESSION_COOKIE } from '../../../src/lib/server/auth/sessions.ts';
import { importPackage } from '../../../src/lib/server/scorm/packages.ts';
import { scormStorage } from '../../../src/lib/server/scorm/storage.ts';
import { scormCommits, scormRuntime } from '../../../src/lib/server/db/schema-scorm.ts';

const LEARNERS = 200;
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { expectAccessible } from '../support/helpers.ts';

/**
 * Runs only against PostgreSQL (*.pg.e2e.ts): the embedded database lives inside the app's own
 * process, so there is no separate server to lose. A TCP proxy between app and Postgres is cut
 * and restored, leaving the shared server untouched.
 */
test('while PostgreSQL is unreachable /healthz says 503 and pages answer a friendly 503; both recover by themselves', async ({
	page
}) => {
	const databaseUrl = process.env.E2E_DATABASE_URL;
	if (!databaseUrl)
		throw new Error('This file runs only against PostgreSQL (see playwright.config.ts)');
	const target = new URL(databaseUrl!);
	const proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
	const viaProxy = new URL(databaseUrl!);
	viaProxy.host = `127.0.0.1:${proxy.port}`;
	const port = extraPort(30 + test.info().workerIndex);
	const server = await startServer({ DATABASE_URL: viaProxy.toString() }, port);
	try {
		console.log(`cold start on PostgreSQL (already migrated): ${Math.round(server.startupMs)} ms`);
		const base = `http://127.0.0.1:${port}`;
		proxy.cut();
		const down = await fetch(`${base}/healthz`);
		expect(down.status).toBe(503);
		expect(await down.json()).toMatchObject({ status: 'unavailable' });
		const pageDown = await page.goto(`${base}/sign-in`);
		expect(pageDown?.status()).toBe(503);
		await expect(page.getByRole('heading', { name: /temporarily unavailable/ })).toBeVisible();
		await expectAccessible(page);

		proxy.restore();
		await expect
			.poll(async () => (await fetch(`${base}/healthz`)).status, { timeout: 20_000 })
			.toBe(200);
		const pageUp = await page.goto(`${base}/sign-in`);
		expect(pageUp?.status()).toBe(200);
	} finally {
		await server.stop();
		await proxy.close();
	}
});

/**
 * Five stops of a PostgreSQL server of the test's own, under load: 200 simulated SCORM learners
 * committing (as the player does, retrying what is not acknowledged) and people loading pages.
 * The app must live through every stop, answer 503 (not 500, not a stall) while the database is
 * gone, come back by itself, and keep every commit it acknowledged.
 */
test('five database stops under load of 200 SCORM learners and page traffic: no crash, no 500, fast 503s, no acknowledged write lost', async () => {
	test.setTimeout(180_000);
	const idx = test.info().workerIndex;
	const pg = startPrivatePostgres(extraPort(64 + idx));
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-outage-'));
	const port = extraPort(60 + idx);
	const base = `http://127.0.0.1:${port}`;
	let server: RunningServer | undefined;
	let handle: DatabaseHandle | undefined;
	try {
		server = await startServer(
			{
				DATABASE_URL: pg.url,
				DATA_DIR: dataDir,
				CONTENT_PORT: String(extraPort(62 + idx)),
				JOBS_DISABLED: 'true'
			},
			port
		);
		handle = await openDatabase({ databaseUrl: pg.url, dataDir: '' });
		const db = handle.db;
		const admin = await makePerson(db, {
			email: 'outage.admin@e2e.example',
			isAdmin: true,
			password: false
		});
		const zip = path.join(FIXTURES, 'RuntimeMinimumCalls_SCORM12.zip');
		const { courseSlug } = await importPackage(
			db,
			admin,
			{ path: zip, name: 'golf.zip', size: fs.statSync(zip).size },
			{
				title: 'Golf under outage',
				audiences: ['frontline'],
				validityMonths: '0',
				estimatedMinutes: '10'
			},
			{
				storage: scormStorage({ kind: 'local', dir: path.join(dataDir, 'scorm') }),
				maxUploadBytes: 50 * 1024 * 1024
			}
		);
		const learners = [];
		for (let i = 0; i < LEARNERS; i++) {
			const person = await makePerson(db, {
				email: `outage.learner${i}@e2e.example`,
				password: false
			});
			const { token } = await createSession(db, person.id);
			learners.push({ cookie: `${SESSION_COOKIE}=${token}` });
		}
		const launches = await Promise.all(
			learners.map(async ({ cookie }) => {
				const res = await fetch(`${base}/api/scorm/launch`, {
					method: 'POST',
					headers: { cookie, origin: base, 'content-type': 'application/json' },
					body: JSON.stringify({ slug: courseSlug, item: 'playing_playing_item', via: 'choice' })
				});
				expect(res.status).toBe(200);
				const l = (await res.json()) as { launchId: string; token: string; sequenceBase: number };
				return { ...l, cookie, n: 0, acked: [] as number[] };
			})
		);

		const samples: { status: number; ms: number; path: string; at: number; phase: string }[] = [];
		let phase = 'up';
		const failures: string[] = [];
		let running = true;
		const send = async (url: string, init?: RequestInit) => {
			const t0 = performance.now();
			try {
				const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
				await res.arrayBuffer();
				samples.push({
					status: res.status,
					ms: performance.now() - t0,
					path: new URL(url).pathname,
					at: t0,
					phase
				});
				return res.status;
			} catch (e) {
				failures.push(`${new URL(url).pathname}: ${String(e)}`);
				return 0;
			}
		};
		const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
		// Each learner commits about once a second; an unacknowledged commit is sent again, as the player does.
		const learnerLoops = launches.map(async (l, i) => {
			await pause((i * 997) % 1000);
			while (running) {
				const seq = l.sequenceBase + l.n + 1;
				const body = JSON.stringify({
					launchId: l.launchId,
					token: l.token,
					seq,
					cmi: {
						cmi: {
							core: {
								lesson_location: String(seq),
								lesson_status: 'incomplete',
								exit: 'suspend',
								session_time: '00:00:01'
							},
							suspend_data: `seq=${seq}`
						}
					}
				});
				const status = await send(`${base}/api/scorm/commit`, {
					method: 'POST',
					headers: {
						cookie: l.cookie,
						origin: base,
						'content-type': 'application/json',
						accept: 'application/json'
					},
					body
				});
				if (status === 200) {
					l.acked.push(seq);
					l.n += 1;
				}
				await pause(800 + Math.random() * 400);
			}
		});
		const pageLoops = Array.from({ length: 6 }, async (_, i) => {
			const cookie = launches[i]!.cookie;
			while (running) {
				await send(`${base}${['/', '/courses', '/sign-in'][i % 3]}`, {
					headers: i % 3 === 2 ? {} : { cookie },
					redirect: 'manual'
				});
				await send(`${base}/healthz`);
				await pause(100);
			}
		});

		const waitFor = async (ok: () => Promise<boolean>, what: string, ms = 20_000) => {
			const until = performance.now() + ms;
			while (!(await ok())) {
				if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
				await pause(100);
			}
		};
		const outageStarts: number[] = [];
		await pause(2000);
		for (let stop = 1; stop <= 5; stop++) {
			outageStarts.push(samples.length);
			phase = `stopping${stop}`;
			await pg.stop(stop % 2 ? 'immediate' : 'fast');
			phase = `down${stop}`;
			await pause(2500);
			expect(
				server.process.exitCode,
				`the app exited during stop ${stop}:\n${server.output().slice(-3000)}`
			).toBeNull();
			phase = `starting${stop}`;
			await pg.start();
			phase = `recovering${stop}`;
			await waitFor(
				async () => (await fetch(`${base}/healthz`)).status === 200,
				`recovery after stop ${stop}`
			);
			phase = `up${stop}`;
			await pause(1500);
		}
		running = false;
		await Promise.all([...learnerLoops, ...pageLoops]);

		expect(server.process.exitCode, server.output().slice(-3000)).toBeNull();
		expect(failures, 'requests the app did not answer').toEqual([]);
		const fivexx = samples.filter((s) => s.status >= 500 && s.status !== 503);
		expect(
			fivexx.map((s) => `${s.status} ${s.path}`),
			'no 500s'
		).toEqual([]);
		const unavailable = samples
			.filter((s) => s.status === 503)
			.map((s) => s.ms)
			.sort((a, b) => a - b);
		expect(unavailable.length, 'the stops were seen as 503s').toBeGreaterThan(50);
		const p95 = unavailable[Math.floor(unavailable.length * 0.95)]!;
		const commits = samples.filter((s) => s.path === '/api/scorm/commit');
		console.log(
			`outage under load: ${samples.length} requests (${commits.length} commits), ${unavailable.length} answered 503 (p95 ${Math.round(p95)} ms, max ${Math.round(unavailable.at(-1)!)} ms), ${fivexx.length} other 5xx, ${launches.reduce((n, l) => n + l.acked.length, 0)} commits acknowledged`
		);
		if (process.env.OUTAGE_DEBUG) {
			const by = new Map<string, string>();
			for (const ph of new Set(samples.map((x) => x.phase))) {
				const xs = samples.filter((x) => x.phase === ph);
				const u = xs
					.filter((x) => x.status === 503)
					.map((x) => x.ms)
					.sort((a, b) => a - b);
				by.set(
					ph,
					`${xs.length} req, ${u.length} 503, p95 ${Math.round(u[Math.floor(u.length * 0.95)] ?? 0)} max ${Math.round(u.at(-1) ?? 0)}`
				);
			}
			console.log([...by].map(([k, v]) => `${k}: ${v}`).join('\n'));
			console.log(
				(server.output().match(/database (unreachable;|reachable again)[^"]*/g) ?? []).length,
				'breaker changes'
			);
		}
		expect(p95, 'p95 of the 503s').toBeLessThan(1000);

		// Every acknowledged commit is stored, and each learner's state is the newest they were told was saved.
		const stored = await db
			.select({ launchId: scormCommits.launchId, sequence: scormCommits.sequence })
			.from(scormCommits);
		const have = new Set(stored.map((r) => `${r.launchId}:${r.sequence}`));
		const lost = launches.flatMap((l) =>
			l.acked
				.filter((seq) => !have.has(`${l.launchId}:${seq}`))
				.map((seq) => `${l.launchId}:${seq}`)
		);
		expect(lost, 'acknowledged commits missing from the database').toEqual([]);
		const runtimes = await db
			.select({ lastSequence: scormRuntime.lastSequence, cmi: scormRuntime.cmi })
			.from(scormRuntime);
		const newest = new Set(runtimes.map((r) => r.lastSequence));
		for (const l of launches)
			if (l.acked.length)
				expect(newest.has(l.acked.at(-1)!), `newest state of launch ${l.launchId}`).toBe(true);
	} finally {
		await server?.stop();
		await handle?.close();
		pg.destroy();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
});
