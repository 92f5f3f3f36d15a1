import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { extraPort, startServer } from '../support/server.ts';
import { createPostgresDatabase, serverUrl } from '../../helpers/test-db.ts';

/**
 * /metrics on the built app: Prometheus text for a bearer token or a configured address, 403 for
 * anyone else; every request gets an id that its log lines carry.
 */
test('metrics are for monitoring only, and every log line of a request carries its id', async () => {
	test.setTimeout(150_000);
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safer-learning-metrics-'));
	// PostgreSQL when the tests have one (faster to start on a busy machine), else the embedded database.
	const database = serverUrl ? await createPostgresDatabase() : undefined;
	const port = extraPort(86 + test.info().workerIndex);
	const server = await startServer(
		{
			DATA_DIR: dataDir,
			DATABASE_URL: database?.url ?? '',
			METRICS_TOKEN: 'metrics-token-for-tests-0123456789',
			LOG_LEVEL: 'debug'
		},
		port,
		120_000
	);
	const base = `http://127.0.0.1:${port}`;
	try {
		const refused = await fetch(`${base}/metrics`);
		expect(refused.status).toBe(403);
		expect(await refused.text()).not.toContain('http_requests_total');
		expect(
			(
				await fetch(`${base}/metrics`, {
					headers: { authorization: 'Bearer wrong-token-wrong-token-wrong-token' }
				})
			).status
		).toBe(403);

		const signIn = await fetch(`${base}/sign-in`, {
			headers: { 'x-request-id': 'e2e-request-0001' }
		});
		expect(signIn.headers.get('x-request-id')).toBe('e2e-request-0001');
		const generated = (await fetch(`${base}/healthz`)).headers.get('x-request-id');
		expect(generated).toMatch(/^[0-9a-f-]{36}$/);

		const scrape = () =>
			fetch(`${base}/metrics`, {
				headers: { authorization: 'Bearer metrics-token-for-tests-0123456789' }
			});
		const res = await scrape();
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('text/plain');
		// The job queue starts beside the first requests: until then the scrape says so.
		await expect
			.poll(async () => (await (await scrape()).text()).match(/^job_queue_up (\d)$/m)?.[1], {
				timeout: 60_000
			})
			.toBe('1');
		const body = await (await scrape()).text();
		expect(body).toMatch(
			/http_requests_total\{route="\/\(auth\)\/sign-in",method="GET",status="200"\} 1/
		);
		expect(body).toMatch(
			/http_request_duration_seconds_count\{route="\/healthz",method="GET"\} \d+/
		);
		expect(body).toContain('job_queue_jobs{queue="email",state="queued"}');
		expect(body).toContain('db_pool_connections{state="max"}');
		expect(body).toContain('# TYPE emails_sent_total counter');
		expect(body).toContain('# TYPE scorm_commits_total counter');

		const lines = server
			.output()
			.split('\n')
			.filter((l) => l.startsWith('{'))
			.map((l) => JSON.parse(l) as Record<string, unknown>);
		const ofRequest = lines.filter((l) => l.requestId === 'e2e-request-0001');
		expect(ofRequest.length).toBeGreaterThan(0);
		expect(ofRequest.every((l) => typeof l.time === 'string' && typeof l.level === 'string')).toBe(
			true
		);
		expect(server.output()).not.toContain('metrics-token-for-tests');
	} finally {
		await server.stop();
		await database?.drop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
});
