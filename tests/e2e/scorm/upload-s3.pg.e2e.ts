import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { createPostgresDatabase } from '../../helpers/test-db.ts';
import { makePerson, TEST_PASSWORD } from '../../helpers/people.ts';
import { startTestS3 } from '../../helpers/s3.ts';
import { makeZip, minimalManifest } from '../../fixtures/scorm/zip-writer.ts';
import { extraPort, startServer } from '../support/server.ts';
import { openDatabase } from '../../../src/lib/server/db/client.ts';

/**
 * A 198 MiB package uploaded through the admin page of the built app, stored in a real
 * S3-compatible bucket (s3rver): the request body is streamed to a temporary file and the files
 * stream to the bucket in multipart parts, so the server's memory stays flat. The server's
 * resident memory is sampled from /proc while the upload runs.
 */
function rssMb(pid: number): number {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

test('a 200 MB package upload to S3 keeps the server memory flat', async ({ page }) => {
	test.setTimeout(240_000);
	const database = await createPostgresDatabase();
	const handle = await openDatabase({ databaseUrl: database.url, dataDir: '' });
	await makePerson(handle.db, { email: 'admin@upload.example', isAdmin: true });
	await handle.close();
	const s3 = await startTestS3({ port: extraPort(82) });
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'big-scorm-'));
	const zipFile = path.join(dir, 'big-package.zip');
	const media = 198 * 1024 * 1024;
	const manifest = minimalManifest().replace(
		'<file href="index.html"/>',
		'<file href="index.html"/><file href="media/film.mp4"/>'
	);
	fs.writeFileSync(
		zipFile,
		makeZip([
			{ name: 'imsmanifest.xml', data: manifest },
			{
				name: 'index.html',
				data: '<!doctype html><title>Film</title><video src="media/film.mp4" controls></video>'
			},
			{ name: 'media/film.mp4', data: randomBytes(media), method: 0 }
		])
	);
	const port = extraPort(80);
	const s = s3.settings;
	const server = await startServer(
		{
			DATABASE_URL: database.url,
			CONTENT_PORT: String(extraPort(81)),
			SCORM_STORAGE: 's3',
			SCORM_S3_ENDPOINT: s.endpoint,
			SCORM_S3_BUCKET: s.bucket,
			SCORM_S3_ACCESS_KEY_ID: s.accessKeyId,
			SCORM_S3_SECRET_ACCESS_KEY: s.secretAccessKey,
			SCORM_S3_PREFIX: 'big'
		},
		port
	);
	try {
		const base = `http://127.0.0.1:${port}`;
		await page.goto(`${base}/sign-in`);
		await page.getByLabel('Email address').fill('admin@upload.example');
		await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
		await page.goto(`${base}/admin/scorm`);
		await page.getByLabel('SCORM package (.zip file)').setInputFiles(zipFile);
		await page.getByLabel('Course title').fill('A long film');
		const pid = server.process.pid!;
		const baseline = rssMb(pid);
		let peak = baseline;
		const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
		const started = performance.now();
		try {
			await page.getByRole('button', { name: 'Upload and check' }).click();
			await page.waitForURL(/\/admin\/scorm\/[0-9a-f-]{36}\?uploaded=1$/, { timeout: 200_000 });
		} finally {
			clearInterval(sampler);
		}
		const seconds = (performance.now() - started) / 1000;
		const report = `198 MiB SCORM upload to S3 (s3rver): ${seconds.toFixed(1)} s; server RSS ${baseline.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB (+${(peak - baseline).toFixed(0)} MB)`;
		console.log(report);
		if (process.env.UPLOAD_PERF_LOG) fs.appendFileSync(process.env.UPLOAD_PERF_LOG, `${report}\n`);
		// The whole file in memory even once would add 198 MB.
		expect(peak - baseline).toBeLessThan(100);
		// The film is in the bucket, whole.
		const stored = fs
			.readdirSync(path.join(s3.directory, s.bucket), { recursive: true })
			.map(String)
			.filter((f) => f.endsWith('film.mp4') || f.includes('film.mp4'));
		expect(stored.length).toBeGreaterThan(0);
	} finally {
		await server.stop();
		await s3.close();
		await database.drop();
		fs.rmSync(dir, { recursive: true, force: true });
	}
});
