import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePerson, testDatabase } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { startTestS3 } from '../helpers/s3.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { StorageUnavailableError } from '../../src/lib/server/scorm/storage.ts';
import { S3Storage } from '../../src/lib/server/scorm/storage-s3.ts';
import { createContentHandler } from '../../src/lib/server/scorm/content-server.ts';
import { forgetContentKey } from '../../src/lib/server/scorm/content-url.ts';
import { readScormSettings } from '../../src/lib/server/scorm/settings.ts';
import { commitRuntime, launchItem } from '../../src/lib/server/scorm/runtime.ts';
import { ValidationError } from '../../src/lib/server/errors.ts';
import { importSample } from '../fixtures/scorm/packages.ts';

/** SCORM package files in a real S3-compatible server (s3rver in its own process), through the AWS SDK. */
let t: TestDatabase;
let s3: Awaited<ReturnType<typeof startTestS3>>;
let store: S3Storage;
let admin: AuthUser;
let server: http.Server;
let base: string;

const text = async (r: Readable) => {
	let out = '';
	for await (const c of r) out += String(c);
	return out;
};

beforeAll(async () => {
	forgetContentKey();
	t = await testDatabase();
	s3 = await startTestS3();
	store = new S3Storage(s3.settings, { pageSize: 2 });
	admin = await makePerson(t.db, { email: 'admin@s3.example', isAdmin: true });
	const settings = readScormSettings({ PORT: '3000' }, '/nonexistent', 'http://localhost:3000');
	const handle = createContentHandler(t.db, settings, store);
	server = http.createServer((req, res) => {
		handle(req, res).catch(() => {
			res.writeHead(500);
			res.end();
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
	server?.closeAllConnections();
	await new Promise((r) => server?.close(r));
	await s3?.close();
	await t?.close();
});

describe('the S3 store', () => {
	it('puts, gets, reads byte ranges, and deletes a prefix over several listing pages', async () => {
		for (const name of ['a.txt', 'b.txt', 'c/d.txt', 'c/e.txt', 'f.txt'])
			await store.put(`v1/${name}`, Readable.from([`hello ${name}`]), 0, 'text/plain');
		await store.put('v2/keep.txt', Readable.from(['keep']), 4, 'text/plain');
		const whole = await store.get('v1/a.txt');
		expect([whole?.size, await text(whole!.body)]).toEqual([11, 'hello a.txt']);
		const part = await store.get('v1/a.txt', { start: 6, end: 6 + 4 });
		expect([part?.range, part?.size, await text(part!.body)]).toEqual([
			{ start: 6, end: 10 },
			11,
			'a.txt'
		]);
		const rest = await store.get('v1/a.txt', { start: 8, end: Number.MAX_SAFE_INTEGER });
		expect([rest?.range, await text(rest!.body)]).toEqual([{ start: 8, end: 10 }, 'txt']);
		expect(await store.get('v1/missing.txt')).toBeNull();
		await store.deletePrefix('v1');
		for (const name of ['a.txt', 'c/e.txt', 'f.txt'])
			expect(await store.get(`v1/${name}`)).toBeNull();
		expect(await text((await store.get('v2/keep.txt'))!.body)).toBe('keep');
	});

	it('streams a large upload as multipart, and it comes back byte for byte', async () => {
		const chunk = randomBytes(1024 * 1024);
		const parts = 20;
		const expected = createHash('sha256');
		for (let i = 0; i < parts; i++) expected.update(chunk);
		async function* source() {
			for (let i = 0; i < parts; i++) yield chunk;
		}
		await store.put('big/video.mp4', Readable.from(source()), parts * chunk.length, 'video/mp4');
		const got = await store.get('big/video.mp4');
		expect(got?.size).toBe(parts * chunk.length);
		const actual = createHash('sha256');
		for await (const c of got!.body) actual.update(c as Buffer);
		expect(actual.digest('hex')).toBe(expected.digest('hex'));
		await store.deletePrefix('big');
	});

	it('imports a package, serves it with byte ranges, and a learner plays and resumes it', async () => {
		const pkg = await importSample(t.db, admin, store, 'RuntimeBasicCalls_SCORM12.zip', {
			title: 'From the bucket'
		});
		const learner = await makePerson(t.db, { email: 'learner@s3.example' });
		const deps = { contentOrigin: 'http://127.0.0.1:3001' };
		const launch = await launchItem(t.db, learner, { slug: pkg.courseSlug }, deps);
		const page = await fetch(`${base}${new URL(launch.contentUrl).pathname}`);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('doStart');
		const image = await fetch(
			`${base}${new URL(launch.contentUrl).pathname.replace(/[^/]+$/, 'cclicense.png')}`,
			{ headers: { range: 'bytes=10-19' } }
		);
		expect(image.status).toBe(206);
		expect(image.headers.get('content-range')).toMatch(/^bytes 10-19\/\d+$/);
		expect((await image.arrayBuffer()).byteLength).toBe(10);
		const cmi = {
			core: {
				lesson_status: 'incomplete',
				lesson_location: 'page-4',
				exit: 'suspend',
				session_time: '00:02:00'
			},
			suspend_data: 'p=4'
		};
		await commitRuntime(
			t.db,
			learner,
			{
				launchId: launch.launchId,
				token: launch.token,
				seq: launch.sequenceBase + 1,
				cmi,
				terminate: true
			},
			'fetch',
			100
		);
		const again = await launchItem(t.db, learner, { slug: pkg.courseSlug }, deps);
		expect(again.entry).toBe('resume');
		expect((again.cmi as { core: Record<string, string> }).core).toMatchObject({
			lesson_location: 'page-4'
		});
	});

	it('says clearly when the bucket is down: the upload is refused with a message, content answers 503', async () => {
		const pkg = await importSample(t.db, admin, store, 'RuntimeMinimumCalls_SCORM12.zip', {
			title: 'Before the outage'
		});
		const learner = await makePerson(t.db, { email: 'outage@s3.example' });
		const deps = { contentOrigin: 'http://127.0.0.1:3001' };
		const launch = await launchItem(t.db, learner, { slug: pkg.courseSlug }, deps);
		await s3.stop();
		try {
			await expect(store.get('anything/x.txt')).rejects.toBeInstanceOf(StorageUnavailableError);
			const refused = await importSample(t.db, admin, store, 'RuntimeBasicCalls_SCORM12.zip').then(
				() => null,
				(e: unknown) => e
			);
			expect(refused).toBeInstanceOf(ValidationError);
			expect(
				(refused as ValidationError).message +
					JSON.stringify((refused as ValidationError).fieldErrors)
			).toMatch(/file store is not answering/);
			const page = await fetch(`${base}${new URL(launch.contentUrl).pathname}`);
			expect(page.status).toBe(503);
			expect(await page.text()).toMatch(/cannot be reached/);
		} finally {
			await s3.start();
		}
	});
});
