import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectZip, PackageError, unsafePathReason } from '../../src/lib/server/scorm/zip.ts';
import { makeZip, minimalManifest, type ZipEntrySpec } from '../fixtures/scorm/zip-writer.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scorm-zip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

function write(entries: ZipEntrySpec[] | Buffer): string {
	const file = path.join(dir, `t${n++}.zip`);
	fs.writeFileSync(file, Buffer.isBuffer(entries) ? entries : makeZip(entries));
	return file;
}

const good: ZipEntrySpec[] = [
	{ name: 'imsmanifest.xml', data: minimalManifest() },
	{ name: 'index.html', data: '<p>hi</p>' }
];

async function refusal(entries: ZipEntrySpec[] | Buffer): Promise<PackageError> {
	try {
		const z = await inspectZip(write(entries));
		z.close();
	} catch (e) {
		expect(e).toBeInstanceOf(PackageError);
		return e as PackageError;
	}
	throw new Error('the zip was accepted');
}

describe('zip checks', () => {
	it('accepts a well-formed package and returns its manifest', async () => {
		const z = await inspectZip(write(good));
		expect(z.files.map((f) => f.path).sort()).toEqual(['imsmanifest.xml', 'index.html']);
		expect(z.manifestText).toContain('<manifest');
		z.close();
	});

	it('refuses zip slip: "..", absolute paths, drive letters, backslashes and symbolic links', async () => {
		expect((await refusal([...good, { name: '../evil.html', data: 'x' }])).code).toBe(
			'unsafe-path'
		);
		expect((await refusal([...good, { name: 'a/../../evil.html', data: 'x' }])).message).toMatch(
			/goes up a folder/
		);
		expect((await refusal([...good, { name: '/etc/cron.d/evil', data: 'x' }])).message).toMatch(
			/absolute path/
		);
		expect(
			(await refusal([...good, { name: 'C:\\Windows\\evil.dll', data: 'x' }])).message
		).toMatch(/drive letter/);
		expect((await refusal([...good, { name: '..\\evil.html', data: 'x' }])).code).toBe(
			'unsafe-path'
		);
		const link = await refusal([
			...good,
			{ name: 'link', data: '/etc/passwd', method: 0, unixMode: 0o120777 }
		]);
		expect(link.code).toBe('symlink');
		expect(link.message).toMatch(/symbolic link/);
		expect((await refusal([...good, { name: 'fifo', data: '', unixMode: 0o010644 }])).code).toBe(
			'special-file'
		);
		expect((await refusal([...good, { name: 'a\u0000b.html', data: 'x' }])).code).toBe(
			'unsafe-path'
		);
	});

	it('refuses zip bombs: a huge declared size, a high ratio, and data beyond what the header says', async () => {
		// 1 KB that claims to unzip to 4 GB
		const declared = await refusal([
			...good,
			{ name: 'big.bin', data: Buffer.alloc(1024), declaredSize: 4_000_000_000 }
		]);
		expect(declared.code).toBe('too-large');
		// 20 MB of zeros deflates about 1000:1
		const ratio = await refusal([
			...good,
			{ name: 'zeros.bin', data: Buffer.alloc(20 * 1024 * 1024) }
		]);
		expect(ratio.code).toBe('zip-bomb');
		expect(ratio.message).toMatch(/expands more than 100 times/);
		// a header that lies: claims 100 bytes, holds 5 MB — caught while reading
		const lying: ZipEntrySpec[] = [
			{ name: 'imsmanifest.xml', data: minimalManifest(), declaredSize: 100 },
			{ name: 'index.html', data: 'x' }
		];
		expect((await refusal(lying)).code).toBe('zip-bomb');
	});

	it('refuses too many entries', async () => {
		const many: ZipEntrySpec[] = [...good];
		for (let i = 0; i < 10_000; i++) many.push({ name: `f/${i}.txt`, data: '', method: 0 });
		const e = await refusal(many);
		expect(e.code).toBe('too-many-entries');
		expect(e.message).toMatch(/10,002 entries/);
	});

	it('refuses a missing manifest, a manifest in a folder, duplicates and files that are not zips', async () => {
		expect((await refusal([{ name: 'index.html', data: 'x' }])).code).toBe('no-manifest');
		const nested = await refusal([{ name: 'course/imsmanifest.xml', data: minimalManifest() }]);
		expect(nested.code).toBe('manifest-not-at-root');
		expect(nested.message).toMatch(/inside the folder "course\/"/);
		expect((await refusal([...good, { name: 'index.html', data: 'y' }])).code).toBe('duplicate');
		expect((await refusal(Buffer.from('this is not a zip at all'))).code).toBe('not-zip');
	});

	it('names unsafe paths', () => {
		expect(unsafePathReason('a/b.html')).toBeNull();
		expect(unsafePathReason('a/../b')).toMatch(/\.\./);
		expect(unsafePathReason('x', '\\\\server\\share')).toMatch(/absolute|network/);
	});
});
