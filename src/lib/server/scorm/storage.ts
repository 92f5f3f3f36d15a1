import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Settings, ScormSettings } from './settings.ts';

/**
 * Where package files live. Keys are `<version id>/<path in package>`. Local disk under the data
 * directory by default; an S3-compatible bucket so several app instances can serve the same files.
 */
export interface ScormStorage {
	readonly kind: 'local' | 's3';
	put(key: string, body: Readable, size: number, contentType: string): Promise<void>;
	/** null when there is no such object; `range` (inclusive) is honoured when the store can */
	get(key: string, range?: { start: number; end: number }): Promise<StoredObject | null>;
	deletePrefix(prefix: string): Promise<void>;
}

export interface StoredObject {
	body: Readable;
	/** the whole object's size */
	size: number;
	/** set when only this byte range (inclusive) is in `body` */
	range?: { start: number; end: number };
}

/** Keys are made by us from checked package paths; this refuses anything else on principle. */
export function assertKey(key: string): void {
	if (
		!key ||
		key.startsWith('/') ||
		key.includes('\\') ||
		key.split('/').some((s) => s === '..' || s === '.' || s === '') ||
		key.includes('\0')
	)
		throw new Error('invalid storage key');
}

export class LocalStorage implements ScormStorage {
	readonly kind = 'local';
	constructor(readonly root: string) {}

	private file(key: string): string {
		assertKey(key);
		const file = path.resolve(this.root, key);
		if (!file.startsWith(path.resolve(this.root) + path.sep))
			throw new Error('invalid storage key');
		return file;
	}

	async put(key: string, body: Readable, _size: number, _contentType: string): Promise<void> {
		const file = this.file(key);
		await fsp.mkdir(path.dirname(file), { recursive: true });
		const temp = `${file}.${randomBytes(6).toString('hex')}.part`;
		try {
			await pipeline(body, fs.createWriteStream(temp, { flags: 'wx' }));
			await fsp.rename(temp, file);
		} catch (e) {
			await fsp.rm(temp, { force: true });
			throw e;
		}
	}

	async get(key: string, range?: { start: number; end: number }): Promise<StoredObject | null> {
		const file = this.file(key);
		try {
			const handle = await fsp.open(file, 'r');
			const stat = await handle.stat();
			if (!stat.isFile()) {
				await handle.close();
				return null;
			}
			if (range && range.start <= range.end && range.start < stat.size) {
				const end = Math.min(range.end, stat.size - 1); // "bytes=100-" asks for the rest
				return {
					body: handle.createReadStream({ start: range.start, end }),
					size: stat.size,
					range: { start: range.start, end }
				};
			}
			return { body: handle.createReadStream(), size: stat.size };
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
			throw e;
		}
	}

	async deletePrefix(prefix: string): Promise<void> {
		assertKey(prefix);
		await fsp.rm(this.file(prefix), { recursive: true, force: true });
	}
}

/** The file store (an S3 bucket) cannot be reached or refuses to work: a passing outage, not a bad request. */
export class StorageUnavailableError extends Error {
	constructor(cause: unknown) {
		super(
			'The file store is not answering at the moment, so nothing was stored. Please try again in a few minutes.',
			{ cause }
		);
		this.name = 'StorageUnavailableError';
	}
}

/**
 * The S3 store with the AWS SDK loaded on its first use (about 25 MB and a third of a second), so a
 * deployment on local disk never loads it.
 */
class DeferredS3Storage implements ScormStorage {
	readonly kind = 's3';
	private store: Promise<ScormStorage> | undefined;
	constructor(private readonly s3: S3Settings) {}
	private open(): Promise<ScormStorage> {
		this.store ??= import('./storage-s3.ts').then(({ S3Storage }) => new S3Storage(this.s3));
		return this.store;
	}
	async put(key: string, body: Readable, size: number, contentType: string): Promise<void> {
		return (await this.open()).put(key, body, size, contentType);
	}
	async get(key: string, range?: { start: number; end: number }): Promise<StoredObject | null> {
		return (await this.open()).get(key, range);
	}
	async deletePrefix(prefix: string): Promise<void> {
		return (await this.open()).deletePrefix(prefix);
	}
}

export function createStorage(settings: ScormSettings['storage']): ScormStorage {
	return settings.kind === 's3'
		? new DeferredS3Storage(settings.s3)
		: new LocalStorage(settings.dir);
}

let current: ScormStorage | undefined;
export function scormStorage(settings: ScormSettings['storage']): ScormStorage {
	current ??= createStorage(settings);
	return current;
}

const TYPES: Record<string, string> = {
	html: 'text/html; charset=utf-8',
	htm: 'text/html; charset=utf-8',
	xhtml: 'application/xhtml+xml',
	js: 'text/javascript; charset=utf-8',
	mjs: 'text/javascript; charset=utf-8',
	css: 'text/css; charset=utf-8',
	json: 'application/json',
	xml: 'application/xml',
	xsd: 'application/xml',
	dtd: 'application/xml-dtd',
	txt: 'text/plain; charset=utf-8',
	svg: 'image/svg+xml',
	png: 'image/png',
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	gif: 'image/gif',
	webp: 'image/webp',
	ico: 'image/x-icon',
	bmp: 'image/bmp',
	mp3: 'audio/mpeg',
	m4a: 'audio/mp4',
	wav: 'audio/wav',
	ogg: 'audio/ogg',
	oga: 'audio/ogg',
	mp4: 'video/mp4',
	m4v: 'video/mp4',
	webm: 'video/webm',
	ogv: 'video/ogg',
	vtt: 'text/vtt; charset=utf-8',
	srt: 'text/plain; charset=utf-8',
	pdf: 'application/pdf',
	woff: 'font/woff',
	woff2: 'font/woff2',
	ttf: 'font/ttf',
	otf: 'font/otf',
	eot: 'application/vnd.ms-fontobject',
	swf: 'application/x-shockwave-flash',
	wasm: 'application/wasm',
	zip: 'application/zip'
};

/** Content type by extension; unknown types are served as bytes, never sniffed (nosniff). */
export function contentTypeFor(file: string): string {
	const ext = path.extname(file).slice(1).toLowerCase();
	return TYPES[ext] ?? 'application/octet-stream';
}
