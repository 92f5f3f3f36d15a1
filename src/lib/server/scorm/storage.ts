import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { decodeEntities } from './xml.ts';
import { sha256Hex, signRequest } from './sigv4.ts';
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
function assertKey(key: string): void {
	if (!key || key.startsWith('/') || key.includes('\\') || key.split('/').some((s) => s === '..' || s === '.' || s === '') || key.includes('\0'))
		throw new Error('invalid storage key');
}

export class LocalStorage implements ScormStorage {
	readonly kind = 'local';
	constructor(readonly root: string) {}

	private file(key: string): string {
		assertKey(key);
		const file = path.resolve(this.root, key);
		if (!file.startsWith(path.resolve(this.root) + path.sep)) throw new Error('invalid storage key');
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
			if (range && range.start <= range.end && range.end < stat.size)
				return { body: handle.createReadStream({ start: range.start, end: range.end }), size: stat.size, range };
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

export class S3Storage implements ScormStorage {
	readonly kind = 's3';
	constructor(
		readonly s3: S3Settings,
		private readonly fetchImpl: typeof fetch = fetch
	) {}

	objectUrl(key = ''): URL {
		const fullKey = [this.s3.prefix, key].filter(Boolean).join('/');
		const encoded = fullKey
			.split('/')
			.map((s) => encodeURIComponent(s))
			.join('/');
		const endpoint = new URL(this.s3.endpoint);
		if (this.s3.pathStyle) return new URL(`${endpoint.origin}/${encodeURIComponent(this.s3.bucket)}${encoded ? `/${encoded}` : ''}`);
		return new URL(`${endpoint.protocol}//${this.s3.bucket}.${endpoint.host}/${encoded}`);
	}

	private async send(method: string, url: URL, body?: Buffer, headers: Record<string, string> = {}): Promise<Response> {
		const signed = signRequest({
			method,
			url,
			headers,
			payloadHash: sha256Hex(body ?? ''),
			region: this.s3.region,
			accessKeyId: this.s3.accessKeyId,
			secretAccessKey: this.s3.secretAccessKey
		});
		return this.fetchImpl(url, { method, headers: signed, body: body ? new Uint8Array(body) : undefined });
	}

	async put(key: string, body: Readable, _size: number, contentType: string): Promise<void> {
		assertKey(key);
		const chunks: Buffer[] = [];
		for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
		const data = Buffer.concat(chunks);
		const res = await this.send('PUT', this.objectUrl(key), data, { 'content-type': contentType });
		if (!res.ok) throw new Error(`storage PUT failed with ${res.status}`);
		await res.body?.cancel();
	}

	async get(key: string): Promise<StoredObject | null> {
		assertKey(key);
		const res = await this.send('GET', this.objectUrl(key));
		if (res.status === 404 || res.status === 403) {
			await res.body?.cancel();
			return null;
		}
		if (!res.ok || !res.body) throw new Error(`storage GET failed with ${res.status}`);
		return { body: Readable.fromWeb(res.body as unknown as WebReadableStream), size: Number(res.headers.get('content-length') ?? 0) };
	}

	async deletePrefix(prefix: string): Promise<void> {
		assertKey(prefix);
		const full = [this.s3.prefix, prefix].filter(Boolean).join('/') + '/';
		for (let token: string | null = null, rounds = 0; rounds < 1000; rounds++) {
			const url = this.objectUrl();
			if (!this.s3.pathStyle) url.pathname = '/';
			url.searchParams.set('list-type', '2');
			url.searchParams.set('prefix', full);
			if (token) url.searchParams.set('continuation-token', token);
			const res = await this.send('GET', url);
			if (!res.ok) throw new Error(`storage LIST failed with ${res.status}`);
			const xml = await res.text();
			const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => decodeEntities(m[1]!));
			for (const key of keys) {
				const relative = this.s3.prefix ? key.slice(this.s3.prefix.length + 1) : key;
				const del = await this.send('DELETE', this.objectUrl(relative));
				await del.body?.cancel();
			}
			const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml);
			if (!/<IsTruncated>true<\/IsTruncated>/.test(xml) || !next) return;
			token = decodeEntities(next[1]!);
		}
	}
}

export function createStorage(settings: ScormSettings['storage']): ScormStorage {
	return settings.kind === 's3' ? new S3Storage(settings.s3) : new LocalStorage(settings.dir);
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
