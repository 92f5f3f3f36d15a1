import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePerson, testDatabase } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { createContentHandler } from '../../src/lib/server/scorm/content-server.ts';
import {
	contentBase,
	contentKey,
	forgetContentKey
} from '../../src/lib/server/scorm/content-url.ts';
import { readScormSettings } from '../../src/lib/server/scorm/settings.ts';
import { importSample, testStorage } from '../fixtures/scorm/packages.ts';

let t: TestDatabase;
let server: http.Server;
let base: string;
let versionId: string;
let key: Buffer;
const store = testStorage();
const settings = readScormSettings({ PORT: '3000' }, store.dir, 'http://localhost:3000');

beforeAll(async () => {
	forgetContentKey();
	t = await testDatabase();
	const admin = await makePerson(t.db, { email: 'admin@scorm-content.example', isAdmin: true });
	({ versionId } = await importSample(t.db, admin, store.storage, 'RuntimeBasicCalls_SCORM12.zip'));
	key = await contentKey(t.db);
	const handle = createContentHandler(t.db, settings, store.storage);
	server = http.createServer((req, res) => void handle(req, res));
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
	server?.closeAllConnections();
	await new Promise((r) => server?.close(r));
	await t?.close();
	store.cleanup();
});

describe('the content server', () => {
	it('serves the wrapper, framable only by the platform, with scorm-again beside it', async () => {
		const res = await fetch(`${base}/player/wrapper.html`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-security-policy')).toContain(
			'frame-ancestors http://localhost:3000'
		);
		expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		const js = await (await fetch(`${base}/player/wrapper.js`)).text();
		expect(js).toContain('const APP_ORIGIN = "http://localhost:3000"');
		const vendor = await fetch(`${base}/player/scorm2004.js`);
		expect(vendor.headers.get('content-type')).toMatch(/javascript/);
		expect(await vendor.text()).toContain('Scorm2004API');
	});

	it('serves package files only at a signed, unexpired address, and only files of the package', async () => {
		const prefix = contentBase(key, versionId);
		const ok = await fetch(`${base}${prefix}shared/launchpage.html`);
		expect(ok.status).toBe(200);
		expect(ok.headers.get('content-type')).toMatch(/^text\/html/);
		expect(ok.headers.get('content-security-policy')).toBe(
			`frame-ancestors http://localhost:3000 ${settings.contentOrigin}`
		);
		expect(ok.headers.get('cross-origin-resource-policy')).toBe('same-origin');
		expect(await ok.text()).toContain('doStart');
		const image = await fetch(`${base}${prefix}shared/cclicense.png`, {
			headers: { range: 'bytes=0-9' }
		});
		expect(image.status).toBe(206);
		expect(image.headers.get('content-type')).toBe('image/png');
		expect((await image.arrayBuffer()).byteLength).toBe(10);

		const forged = prefix.replace(/\/[A-Za-z0-9_-]{32}\/$/, '/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/');
		expect((await fetch(`${base}${forged}shared/launchpage.html`)).status).toBe(403);
		const expired = contentBase(key, versionId, new Date(Date.now() - 2 * 24 * 3600 * 1000));
		expect((await fetch(`${base}${expired}shared/launchpage.html`)).status).toBe(403);
		expect((await fetch(`${base}${prefix}imsmanifest.xml.bak`)).status).toBe(404);
		expect((await fetch(`${base}${prefix}..%2F..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
		expect((await fetch(`${base}${prefix}shared/%2e%2e/%2e%2e/x`)).status).toBe(404);
		expect((await fetch(`${base}/c/not-a-uuid/1/x/y`)).status).toBe(404);
		expect((await fetch(`${base}${prefix}shared/launchpage.html`, { method: 'POST' })).status).toBe(
			405
		);
		expect((await fetch(`${base}/`)).status).toBe(404);
	});
});
