import http from 'node:http';
import { expect, test } from '@playwright/test';
import { E2E_BASE_URL } from '../support/server.ts';
import { PASSWORD, WORLD } from '../support/world.ts';

/**
 * Requests that used to exhaust the server, send people off-site or end in a 500: each is refused
 * with a clear 4xx by the built app.
 */
const base = E2E_BASE_URL;
/** As a browser without JavaScript posts a form (fetch's default Accept would get SvelteKit's JSON answer). */
const form = {
	origin: base,
	accept: 'text/html',
	'content-type': 'application/x-www-form-urlencoded'
};

/**
 * Posts a chunked (no Content-Length) form body of up to `totalBytes`, as fast as the server takes
 * it, until the server answers; returns the status and how much the server took before answering.
 */
function postEndless(
	path: string,
	totalBytes: number,
	headers: Record<string, string> = form,
	filler = 'email=' + 'a'.repeat(64 * 1024)
): Promise<{ status: number; sent: number }> {
	const chunk = Buffer.from(filler);
	return new Promise((resolve, reject) => {
		let sent = 0;
		let answered = false;
		const req = http.request(`${base}${path}`, {
			method: 'POST',
			headers: { ...headers, 'transfer-encoding': 'chunked' }
		});
		req.on('response', (res) => {
			answered = true;
			res.resume();
			resolve({ status: res.statusCode ?? 0, sent });
			req.destroy();
		});
		req.on('error', (e) => (answered ? undefined : reject(e)));
		const pump = () => {
			while (!answered && sent < totalBytes) {
				sent += chunk.byteLength;
				if (!req.write(chunk)) return void req.once('drain', pump);
			}
			if (!answered) req.end();
		};
		pump();
	});
}

for (const path of ['/sign-in', '/forgot-password']) {
	test(`a chunked body to ${path} is cut off at the form limit, not read to the end`, async () => {
		const started = performance.now();
		const { status, sent } = await postEndless(path, 64 * 1024 * 1024);
		expect(status).toBe(413);
		expect(performance.now() - started).toBeLessThan(5000);
		// the 1 MB limit plus what sat in socket buffers; never the 64 MB on offer
		expect(sent).toBeLessThan(8 * 1024 * 1024);
		expect((await fetch(`${base}/healthz`)).status).toBe(200);
	});
}

/** Signs in as a browser without JavaScript does and returns the session cookie. */
async function sessionCookie(
	email: string,
	next?: string
): Promise<{ cookie: string; res: Response }> {
	const res = await fetch(`${base}/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`, {
		method: 'POST',
		headers: form,
		body: new URLSearchParams({ email, password: PASSWORD }),
		redirect: 'manual'
	});
	expect(res.status).toBe(303);
	const cookie = res.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
	expect(cookie).toContain('session=');
	return { cookie, res };
}

// The two larger limits, each for the people allowed to use them: a SCORM commit (1 MB) from a
// signed-in learner, and a CSV import (about 6 MB) from a manager.
test('a chunked SCORM commit from a signed-in learner is cut off at the commit limit', async () => {
	const { cookie } = await sessionCookie(WORLD.learner.email);
	const started = performance.now();
	const { status, sent } = await postEndless(
		'/api/scorm/commit',
		64 * 1024 * 1024,
		{ origin: base, cookie, accept: 'application/json', 'content-type': 'application/json' },
		'"' + 'a'.repeat(64 * 1024) + '",'
	);
	expect(status).toBe(413);
	expect(performance.now() - started).toBeLessThan(5000);
	expect(sent).toBeLessThan(8 * 1024 * 1024);
	expect((await fetch(`${base}/healthz`)).status).toBe(200);
});

test('a chunked CSV import from a manager is cut off at the import limit', async () => {
	const { cookie } = await sessionCookie(WORLD.policeManager.email);
	const started = performance.now();
	const { status, sent } = await postEndless(
		'/manage/people/import?/preview',
		256 * 1024 * 1024,
		{
			origin: base,
			cookie,
			accept: 'text/html',
			'content-type': 'multipart/form-data; boundary=endless'
		},
		'--endless\r\nContent-Disposition: form-data; name="csv"\r\n\r\n' +
			'a,'.repeat(32 * 1024) +
			'\r\n'
	);
	expect(status).toBe(413);
	expect(performance.now() - started).toBeLessThan(10_000);
	// about 6 MB allowed, plus what sat in socket buffers; never the 256 MB on offer
	expect(sent).toBeLessThan(16 * 1024 * 1024);
	expect((await fetch(`${base}/healthz`)).status).toBe(200);
});

const offSite = [
	'/.//evil.example',
	'/..//evil.example',
	'/%2e//evil.example',
	'/a/..//evil.example',
	'//evil.example',
	'/\\evil.example'
];

test('after signing in without JavaScript, and when already signed in, next never leaves the site', async () => {
	const { cookie, res: signIn } = await sessionCookie(WORLD.councilOfficer.email, offSite[0]!);
	expect(new URL(signIn.headers.get('location')!, base).origin).toBe(base);
	for (const next of offSite) {
		const res = await fetch(`${base}/sign-in?next=${encodeURIComponent(next)}`, {
			headers: { cookie },
			redirect: 'manual'
		});
		expect(res.status, next).toBe(303);
		expect(new URL(res.headers.get('location')!, base).origin, next).toBe(base);
	}
});

test('input that used to be a 500 to an anonymous request is a 4xx', async () => {
	const post = (path: string, body: string | URLSearchParams) =>
		fetch(`${base}${path}`, { method: 'POST', headers: form, body, redirect: 'manual' });
	expect((await post('/sign-in?/default', 'email=a')).status).toBe(404);
	expect((await post('/forgot-password', 'email=someone%00@example.org')).status).toBe(400);
	expect((await post('/sign-in', 'email=a%00b&password=x')).status).toBe(400);
	for (const name of ['constructor', '__proto__', 'toString'])
		expect(
			(await post('/forgot-password', `${name}=x&${name}=y&email=`)).status,
			name
		).toBeLessThan(500);
	expect((await fetch(`${base}/verify/AB%00CD`)).status).toBe(400);
	expect((await fetch(`${base}/courses/%E0%A4%A`)).status).toBe(400);
	expect((await fetch(`${base}/healthz`)).status).toBe(200);
});
