import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { baseUrl, pageAs, uploadPackage } from './support.ts';
import { GOLF_SCO_ITEMS } from '../../fixtures/scorm/golf-items.ts';

/**
 * Measures the commit endpoint on this machine against the built app (in the same run as a
 * /healthz baseline, which also asks the database one question). Each commit is a full
 * transaction: ownership and token check, row lock, completion rules, history row.
 */
interface Run {
	label: string;
	requests: number;
	errors: number;
	seconds: number;
	perSecond: number;
	p50: number;
	p99: number;
}

async function load(
	label: string,
	seconds: number,
	concurrency: number,
	send: (worker: number) => Promise<Response>
): Promise<Run> {
	const latencies: number[] = [];
	let errors = 0;
	const started = performance.now();
	const until = started + seconds * 1000;
	await Promise.all(
		Array.from({ length: concurrency }, async (_, worker) => {
			while (performance.now() < until) {
				const t0 = performance.now();
				const res = await send(worker);
				await res.arrayBuffer();
				latencies.push(performance.now() - t0);
				if (!res.ok) errors++;
			}
		})
	);
	const elapsed = (performance.now() - started) / 1000;
	latencies.sort((a, b) => a - b);
	const at = (q: number) =>
		Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) /
		10;
	return {
		label,
		requests: latencies.length,
		errors,
		seconds: Math.round(elapsed * 10) / 10,
		perSecond: Math.round(latencies.length / elapsed),
		p50: at(0.5),
		p99: at(0.99)
	};
}

test('commit endpoint throughput, with /healthz as the baseline', async ({ browser }) => {
	test.setTimeout(180_000);
	const { slug } = await uploadPackage(
		browser,
		'RuntimeMinimumCalls_SCORM12.zip',
		'Golf throughput (SCORM 1.2)'
	);
	const page = await pageAs(browser, 'scormBench');
	const items = GOLF_SCO_ITEMS;
	const launches: { launchId: string; token: string; sequenceBase: number; n: number }[] = [];
	for (const item of items) {
		const res = await page.request.post('/api/scorm/launch', {
			headers: { origin: baseUrl },
			data: { slug, item, via: 'choice' }
		});
		expect(res.status()).toBe(200);
		launches.push({
			...((await res.json()) as { launchId: string; token: string; sequenceBase: number }),
			n: 0
		});
	}
	const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
	const headers = { cookie, origin: baseUrl, 'content-type': 'application/json' };
	// A realistic 1.2 commit as scorm-again renders it (about 700 bytes).
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
	const commit = (l: (typeof launches)[number]) => {
		l.n += 1;
		return fetch(`${baseUrl}/api/scorm/commit`, {
			method: 'POST',
			headers,
			body: JSON.stringify({
				launchId: l.launchId,
				token: l.token,
				seq: l.sequenceBase + l.n,
				cmi: cmi(l.n)
			})
		});
	};
	const concurrency = 10;
	const seconds = Number(process.env.SCORM_BENCH_SECONDS ?? 3);
	const runs: Run[] = [];
	runs.push(
		await load('GET /healthz (baseline)', seconds, concurrency, () => fetch(`${baseUrl}/healthz`))
	);
	runs.push(
		await load('POST /api/scorm/commit, 18 SCOs in parallel', seconds, concurrency, (w) =>
			commit(launches[w % launches.length]!)
		)
	);
	runs.push(
		await load(
			'POST /api/scorm/commit, one SCO (serialised on its row)',
			seconds,
			concurrency,
			() => commit(launches[0]!)
		)
	);
	const table = runs
		.map(
			(r) =>
				`${r.label}: ${r.perSecond} req/s (${r.requests} in ${r.seconds} s, ${concurrency} connections), p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}`
		)
		.join('\n');
	console.log(
		`SCORM commit throughput (${process.env.TEST_DATABASE_URL || process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}):\n${table}`
	);
	fs.mkdirSync('test-results', { recursive: true });
	fs.writeFileSync(
		path.join('test-results', 'scorm-throughput.json'),
		JSON.stringify({ at: new Date().toISOString(), concurrency, runs }, null, 2)
	);
	for (const r of runs) expect(r.errors, r.label).toBe(0);
	expect(runs[1]!.perSecond).toBeGreaterThan(10);
	await page.context().close();
});
