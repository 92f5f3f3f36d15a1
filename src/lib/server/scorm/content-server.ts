import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { scormPackageFiles, scormPackageVersions } from '../db/schema-scorm.ts';
import { logger } from '../logger.ts';
import { contentKey, verifyContentSignature } from './content-url.ts';
import { scormSettings, type ScormSettings } from './settings.ts';
import { scormStorage, StorageUnavailableError, type ScormStorage } from './storage.ts';
import { WRAPPER_CSS, WRAPPER_HTML, wrapperScript } from './wrapper.ts';

/**
 * The content origin: a second HTTP server in the same process, on CONTENT_PORT. It serves the
 * runtime wrapper (with scorm-again's ESM build) and package files, and nothing else. Package
 * HTML and JavaScript therefore run on an origin — and by default a site — that has no platform
 * cookies and cannot read platform pages; only the platform may frame it.
 */
export interface ContentServer {
	port: number;
	close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** scorm-again's ESM builds, read once from node_modules. */
function scormAgainFile(name: 'scorm12' | 'scorm2004'): Buffer {
	let dir: string;
	try {
		const require = createRequire(import.meta.url);
		dir = path.join(path.dirname(require.resolve('scorm-again/scorm12')), 'esm');
	} catch {
		dir = path.resolve('node_modules/scorm-again/dist/esm');
	}
	return fs.readFileSync(path.join(dir, `${name}.min.js`));
}

class FileIndex {
	private cache = new Map<string, Map<string, string> | null>();
	constructor(private readonly db: Db) {}
	/** path → content type for a version, or null when the version does not exist */
	async get(versionId: string): Promise<Map<string, string> | null> {
		if (this.cache.has(versionId)) {
			const hit = this.cache.get(versionId)!;
			this.cache.delete(versionId);
			this.cache.set(versionId, hit);
			return hit;
		}
		const [version] = await this.db
			.select({ id: scormPackageVersions.id })
			.from(scormPackageVersions)
			.where(eq(scormPackageVersions.id, versionId));
		const files = version
			? new Map(
					(
						await this.db
							.select({ path: scormPackageFiles.path, type: scormPackageFiles.contentType })
							.from(scormPackageFiles)
							.where(eq(scormPackageFiles.versionId, versionId))
					).map((f) => [f.path, f.type])
				)
			: null;
		// Only versions that exist are remembered (versions are immutable once recorded).
		if (files) {
			this.cache.set(versionId, files);
			if (this.cache.size > 100) this.cache.delete(this.cache.keys().next().value!);
		}
		return files;
	}
}

export function createContentHandler(db: Db, settings: ScormSettings, storage: ScormStorage) {
	const index = new FileIndex(db);
	const wrapperJs = wrapperScript(settings.appOrigin);
	const vendor: Partial<Record<'scorm12' | 'scorm2004', Buffer>> = {};
	const frameAncestors = `frame-ancestors ${settings.appOrigin}`;
	const common = (res: http.ServerResponse) => {
		res.setHeader('X-Content-Type-Options', 'nosniff');
		res.setHeader('Referrer-Policy', 'same-origin');
		res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
	};
	const send = (
		res: http.ServerResponse,
		status: number,
		type: string,
		body: string | Buffer,
		headers: Record<string, string> = {},
		head = false
	) => {
		common(res);
		res.writeHead(status, {
			'Content-Type': type,
			'Content-Length': Buffer.byteLength(body),
			...headers
		});
		res.end(head ? undefined : body);
	};
	const notFound = (res: http.ServerResponse, head: boolean) =>
		send(res, 404, 'text/plain; charset=utf-8', 'Not found', { 'Cache-Control': 'no-store' }, head);

	return async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const head = req.method === 'HEAD';
		if (req.method !== 'GET' && !head) {
			send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed', { Allow: 'GET, HEAD' });
			return;
		}
		let pathname: string;
		try {
			pathname = new URL(req.url ?? '/', 'http://content.invalid').pathname;
		} catch {
			notFound(res, head);
			return;
		}
		const playerCsp = `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'none'; ${frameAncestors}`;
		switch (pathname) {
			case '/player/wrapper.html':
				return send(
					res,
					200,
					'text/html; charset=utf-8',
					WRAPPER_HTML,
					{ 'Content-Security-Policy': playerCsp, 'Cache-Control': 'no-cache' },
					head
				);
			case '/player/wrapper.js':
				return send(
					res,
					200,
					'text/javascript; charset=utf-8',
					wrapperJs,
					{ 'Cache-Control': 'no-cache' },
					head
				);
			case '/player/wrapper.css':
				return send(
					res,
					200,
					'text/css; charset=utf-8',
					WRAPPER_CSS,
					{ 'Cache-Control': 'no-cache' },
					head
				);
			case '/player/scorm12.js':
			case '/player/scorm2004.js': {
				const name = pathname === '/player/scorm12.js' ? 'scorm12' : 'scorm2004';
				vendor[name] ??= scormAgainFile(name);
				return send(
					res,
					200,
					'text/javascript; charset=utf-8',
					vendor[name],
					{ 'Cache-Control': 'public, max-age=3600' },
					head
				);
			}
			case '/healthz':
				return send(
					res,
					200,
					'text/plain; charset=utf-8',
					'ok',
					{ 'Cache-Control': 'no-store' },
					head
				);
		}
		// /c/<version>/<expires>/<signature>/<path in package>
		const m = /^\/c\/([^/]+)\/([^/]+)\/([^/]+)\/(.+)$/.exec(pathname);
		if (!m || !UUID.test(m[1]!)) return notFound(res, head);
		const [, versionId, expires, sig, rawPath] = m as unknown as [
			string,
			string,
			string,
			string,
			string
		];
		if (!verifyContentSignature(await contentKey(db), versionId, expires, sig)) {
			send(
				res,
				403,
				'text/plain; charset=utf-8',
				'This link to the course content has expired. Reopen the course from the platform.',
				{ 'Cache-Control': 'no-store' },
				head
			);
			return;
		}
		let filePath: string;
		try {
			filePath = rawPath
				.split('/')
				.map((s) => decodeURIComponent(s))
				.join('/');
		} catch {
			return notFound(res, head);
		}
		const files = await index.get(versionId);
		const type = files?.get(filePath);
		if (!type) return notFound(res, head);
		const range = parseRange(req.headers.range);
		let object: Awaited<ReturnType<ScormStorage['get']>>;
		try {
			object = await storage.get(`${versionId}/${filePath}`, range ?? undefined);
		} catch (e) {
			if (!(e instanceof StorageUnavailableError)) throw e;
			logger.error('scorm content: file store unavailable', { versionId });
			common(res);
			res.writeHead(503, {
				'Content-Type': 'text/plain; charset=utf-8',
				'Retry-After': '30',
				'Cache-Control': 'no-store'
			});
			res.end(
				'The course files cannot be reached at the moment. Please try again in a few minutes.'
			);
			return;
		}
		if (!object) return notFound(res, head);
		common(res);
		const headers: Record<string, string> = {
			'Content-Type': type,
			'Cache-Control': 'private, max-age=3600',
			'Accept-Ranges': 'bytes',
			'Content-Security-Policy': `${frameAncestors} ${settings.contentOrigin}`
		};
		if (object.range) {
			headers['Content-Range'] = `bytes ${object.range.start}-${object.range.end}/${object.size}`;
			headers['Content-Length'] = String(object.range.end - object.range.start + 1);
			res.writeHead(206, headers);
		} else {
			if (object.size) headers['Content-Length'] = String(object.size);
			res.writeHead(200, headers);
		}
		if (head) {
			object.body.destroy();
			res.end();
			return;
		}
		await pipeline(object.body, res);
	};
}

function parseRange(header: string | undefined): { start: number; end: number } | null {
	const m = /^bytes=(\d+)-(\d*)$/.exec(header ?? '');
	if (!m) return null;
	const start = Number(m[1]);
	const end = m[2] ? Number(m[2]) : Number.MAX_SAFE_INTEGER;
	return end >= start ? { start, end } : null;
}

let running: ContentServer | undefined;

/** Starts the content server (once per process) unless CONTENT_SERVER=off. */
export async function startContentServer(
	db: Db,
	settings: ScormSettings = scormSettings()
): Promise<ContentServer | undefined> {
	if (running || !settings.contentServer) return running;
	// The signing key is read (or created) with the first content request, not here.
	const handle = createContentHandler(db, settings, scormStorage(settings.storage));
	const server = http.createServer((req, res) => {
		handle(req, res).catch((e: unknown) => {
			logger.error('content server error', { error: e instanceof Error ? e.message : String(e) });
			if (!res.headersSent) {
				res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
				res.end('Something went wrong.');
			} else res.destroy();
		});
	});
	server.keepAliveTimeout = 5000;
	try {
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(settings.contentPort, settings.contentHost, () => {
				server.off('error', reject);
				resolve();
			});
		});
	} catch (e) {
		// The rest of the platform keeps working; SCORM content cannot be played until this is fixed.
		logger.error('scorm content server could not start: SCORM courses cannot be played', {
			port: settings.contentPort,
			error: e instanceof Error ? e.message : String(e)
		});
		return undefined;
	}
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : settings.contentPort;
	logger.info('scorm content server listening', { port, contentOrigin: settings.contentOrigin });
	running = {
		port,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
	return running;
}

export async function stopContentServer(): Promise<void> {
	const server = running;
	running = undefined;
	await server?.close();
}
