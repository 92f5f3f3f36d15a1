import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { signRequest, sha256Hex, uriEncode } from '../../src/lib/server/scorm/sigv4.ts';
import { contentTypeFor, LocalStorage, S3Storage } from '../../src/lib/server/scorm/storage.ts';

const text = async (r: Readable) => {
	let s = '';
	for await (const c of r) s += String(c);
	return s;
};

describe('AWS Signature Version 4', () => {
	it('matches the S3 documentation example (GET /test.txt with a Range header)', () => {
		// "Signature Calculations for the Authorization Header: Transferring Payload in a Single
		// Chunk", example GET Object, as published by AWS (and used by other SigV4 libraries' tests).
		const headers = signRequest({
			method: 'GET',
			url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
			headers: { Range: 'bytes=0-9' },
			payloadHash: sha256Hex(''),
			region: 'us-east-1',
			accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
			secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
			now: new Date('2013-05-24T00:00:00Z')
		});
		expect(headers.authorization).toBe(
			'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'
		);
		expect(headers['x-amz-date']).toBe('20130524T000000Z');
		expect(headers['x-amz-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
	});

	it('encodes the way SigV4 wants', () => {
		expect(uriEncode('a b/c~d*', true)).toBe('a%20b/c~d%2A');
		expect(uriEncode('a/b')).toBe('a%2Fb');
		expect(uriEncode('é')).toBe('%C3%A9');
	});
});

describe('local storage', () => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scorm-store-'));
	afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
	const store = new LocalStorage(root);

	it('puts, gets and deletes by prefix, never outside its root', async () => {
		await store.put('v1/shared/page one.html', Readable.from(['<p>hello</p>']), 12, 'text/html');
		const got = await store.get('v1/shared/page one.html');
		expect(got?.size).toBe(12);
		expect(await text(got!.body)).toBe('<p>hello</p>');
		expect(await store.get('v1/missing.html')).toBeNull();
		await expect(store.get('../etc/passwd')).rejects.toThrow(/invalid storage key/);
		await expect(store.put('/abs', Readable.from(['x']), 1, 'text/plain')).rejects.toThrow(/invalid storage key/);
		await store.deletePrefix('v1');
		expect(await store.get('v1/shared/page one.html')).toBeNull();
	});
});

describe('S3-compatible storage (against a stub endpoint: the wire format, not a real bucket)', () => {
	it('signs PUT, GET, LIST and DELETE requests with path-style addresses', async () => {
		const seen: { method: string; url: string; auth: string; sha: string; body?: string }[] = [];
		const objects = new Map<string, string>();
		const stub: typeof fetch = async (input, init) => {
			const url = new URL(String(input));
			const h = new Headers(init?.headers);
			const body = init?.body ? Buffer.from(init.body as Uint8Array).toString() : undefined;
			seen.push({ method: init?.method ?? 'GET', url: url.toString(), auth: h.get('authorization') ?? '', sha: h.get('x-amz-content-sha256') ?? '', body });
			const key = decodeURIComponent(url.pathname.replace(/^\/bucket\/?/, ''));
			if (init?.method === 'PUT') objects.set(key, body ?? '');
			if (init?.method === 'DELETE') objects.delete(key);
			if (init?.method === 'GET' && url.searchParams.get('list-type') === '2') {
				const keys = [...objects.keys()].filter((k) => k.startsWith(url.searchParams.get('prefix')!));
				return new Response(`<ListBucketResult>${keys.map((k) => `<Contents><Key>${k}</Key></Contents>`).join('')}<IsTruncated>false</IsTruncated></ListBucketResult>`);
			}
			if (init?.method === 'GET') return objects.has(key) ? new Response(objects.get(key)!, { headers: { 'content-length': String(objects.get(key)!.length) } }) : new Response('', { status: 404 });
			return new Response('');
		};
		const s3 = new S3Storage({ endpoint: 'http://minio.test:9000', bucket: 'bucket', region: 'eu-west-2', accessKeyId: 'AK', secretAccessKey: 'SK', prefix: 'learning', pathStyle: true }, stub);
		await s3.put('v1/a b.html', Readable.from(['hi']), 2, 'text/html');
		expect(seen[0]).toMatchObject({ method: 'PUT', url: 'http://minio.test:9000/bucket/learning/v1/a%20b.html', sha: sha256Hex('hi'), body: 'hi' });
		expect(seen[0]!.auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AK\/\d{8}\/eu-west-2\/s3\/aws4_request,SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,Signature=[0-9a-f]{64}$/);
		expect(await text((await s3.get('v1/a b.html'))!.body)).toBe('hi');
		expect(await s3.get('v1/none.html')).toBeNull();
		await s3.deletePrefix('v1');
		expect(objects.size).toBe(0);
		expect(seen.some((r) => r.method === 'DELETE' && r.url.endsWith('/bucket/learning/v1/a%20b.html'))).toBe(true);
	});

	it('builds virtual-host addresses when path style is off', () => {
		const s3 = new S3Storage({ endpoint: 'https://s3.eu-west-2.amazonaws.com', bucket: 'b', region: 'eu-west-2', accessKeyId: 'a', secretAccessKey: 's', prefix: '', pathStyle: false });
		expect(s3.objectUrl('v/x.html').toString()).toBe('https://b.s3.eu-west-2.amazonaws.com/v/x.html');
	});
});

describe('content types', () => {
	it('are chosen by extension and default to bytes', () => {
		expect(contentTypeFor('a/B.HTML')).toMatch(/^text\/html/);
		expect(contentTypeFor('x.js')).toMatch(/javascript/);
		expect(contentTypeFor('x.unknown')).toBe('application/octet-stream');
	});
});
