import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { contentTypeFor, LocalStorage } from '../../src/lib/server/scorm/storage.ts';

const text = async (r: Readable) => {
	let s = '';
	for await (const c of r) s += String(c);
	return s;
};

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
		const part = await store.get('v1/shared/page one.html', { start: 3, end: 7 });
		expect([part?.range, await text(part!.body)]).toEqual([{ start: 3, end: 7 }, 'hello']);
		const rest = await store.get('v1/shared/page one.html', {
			start: 8,
			end: Number.MAX_SAFE_INTEGER
		});
		expect([rest?.range, await text(rest!.body)]).toEqual([{ start: 8, end: 11 }, '</p>']);
		await expect(store.get('../etc/passwd')).rejects.toThrow(/invalid storage key/);
		await expect(store.put('/abs', Readable.from(['x']), 1, 'text/plain')).rejects.toThrow(
			/invalid storage key/
		);
		await store.deletePrefix('v1');
		expect(await store.get('v1/shared/page one.html')).toBeNull();
	});
});

describe('content types', () => {
	it('are chosen by extension and default to bytes', () => {
		expect(contentTypeFor('a/B.HTML')).toMatch(/^text\/html/);
		expect(contentTypeFor('x.js')).toMatch(/javascript/);
		expect(contentTypeFor('x.unknown')).toBe('application/octet-stream');
	});
});
