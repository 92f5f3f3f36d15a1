// Reruns the kinds of probe from issue 11 against the built app on loopback, and prints figures:
// an access matrix (every route x signed out, learner, manager, admin; GET and POST), malformed
// requests (to every form action and endpoint), parallel chunked bodies, and five stops of a
// PostgreSQL server of its own under page load. Bounded: a fixed set of requests, loopback only.
//
//   npm run build && TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//     node --experimental-strip-types --no-warnings scripts/probe.ts
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createPostgresDatabase } from '../tests/helpers/test-db.ts';
import { makePerson } from '../tests/helpers/people.ts';
import { startServer } from '../tests/e2e/support/server.ts';
import { startPrivatePostgres } from '../tests/e2e/support/private-postgres.ts';
import { openDatabase } from '../src/lib/server/db/client.ts';
import { createSession, SESSION_COOKIE } from '../src/lib/server/auth/sessions.ts';

if (!process.env.TEST_DATABASE_URL)
	throw new Error(
		'Set TEST_DATABASE_URL to a PostgreSQL server the probe may create a database on'
	);
const PORT = Number(process.env.PROBE_PORT ?? 5400);
const base = `http://127.0.0.1:${PORT}`;
const ROUTES = path.resolve(import.meta.dirname, '../src/routes');

function walk(dir: string): string[] {
	return fs
		.readdirSync(dir, { withFileTypes: true })
		.flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
const files = walk(ROUTES).filter((f) => /\+(page|server)(\.server)?\.(ts|svelte)$/.test(f));
const routeIds = [
	...new Set(
		files.map(
			(f) => '/' + path.relative(ROUTES, path.dirname(f)).split(path.sep).filter(Boolean).join('/')
		)
	)
].sort();
const actions = files
	.filter((f) => f.endsWith('+page.server.ts'))
	.flatMap((f) => {
		const id =
			'/' + path.relative(ROUTES, path.dirname(f)).split(path.sep).filter(Boolean).join('/');
		const block =
			/export const actions[^=]*=\s*\{([\s\S]*)\};?\s*$/.exec(fs.readFileSync(f, 'utf8'))?.[1] ??
			'';
		return [...block.matchAll(/^\t([A-Za-z_]\w*)\s*:\s*async/gm)].map((m) => ({ id, name: m[1]! }));
	});
const concrete = (id: string) =>
	'/' +
	id
		.split('/')
		.filter((s) => s && !/^\(.*\)$/.test(s))
		.map((s) =>
			s === '[code]'
				? 'ABCD-EFGH-JKMN-PQRS'
				: s === '[slug]'
					? 'no-such-course'
					: s.startsWith('[')
						? '00000000-0000-0000-0000-000000000000'
						: s
		)
		.join('/');

const tally = { requests: 0, fivexx: 0, noAnswer: 0, leaks: [] as string[] };
async function send(url: string, init: RequestInit = {}) {
	tally.requests++;
	try {
		const res = await fetch(url, {
			redirect: 'manual',
			...init,
			signal: AbortSignal.timeout(20_000)
		});
		await res.arrayBuffer();
		if (res.status >= 500 && res.status !== 503) tally.fivexx++;
		return res.status;
	} catch {
		tally.noAnswer++;
		return 0;
	}
}

const pg = await createPostgresDatabase();
const handle = await openDatabase({ databaseUrl: pg.url, dataDir: '' });
const who: Record<string, string | undefined> = { anonymous: undefined };
for (const [name, opts] of [
	['learner', { organisationKey: 'wyfrs' }],
	['manager', { manages: ['west-yorkshire-police'] }],
	['admin', { isAdmin: true }]
] as const) {
	const person = await makePerson(handle.db, { email: `probe.${name}@probe.example`, ...opts });
	who[name] = `${SESSION_COOKIE}=${(await createSession(handle.db, person.id)).token}`;
}
await handle.close();
const server = await startServer(
	{ DATABASE_URL: pg.url, JOBS_DISABLED: 'true', CONTENT_PORT: String(PORT + 1) },
	PORT
);
const started = performance.now();
try {
	const only = process.env.PROBE_ONLY;
	// 1. Access matrix: a protected page must never answer 200 to someone outside its group.
	const allowed = (id: string, name: string) =>
		id.startsWith('/(admin)')
			? name === 'admin'
			: id.startsWith('/(manage)')
				? name === 'manager' || name === 'admin'
				: id.startsWith('/(learner)') || id.startsWith('/api/')
					? name !== 'anonymous'
					: true;
	for (const id of only ? [] : routeIds)
		for (const [name, cookie] of Object.entries(who))
			for (const method of ['GET', 'POST']) {
				const headers: Record<string, string> = {
					origin: base,
					accept: 'text/html',
					'content-type': 'application/x-www-form-urlencoded'
				};
				if (cookie) headers.cookie = cookie;
				const status = await send(`${base}${concrete(id)}`, {
					method,
					headers,
					body: method === 'POST' ? 'x=1' : undefined
				});
				if (status === 200 && !allowed(id, name)) tally.leaks.push(`${method} ${id} as ${name}`);
			}
	const matrix = { ...tally, leaks: [...tally.leaks] };

	// 2. Malformed input to every form action, as each identity.
	const bad = [
		'email=a%00b',
		'constructor=x&constructor=y',
		'__proto__=x',
		'name=%E2%80%AEevil',
		'email=' + 'x'.repeat(300_000),
		'%%%',
		''
	];
	for (const a of only ? [] : actions)
		for (const [name, cookie] of Object.entries(who))
			for (const body of bad) {
				const headers: Record<string, string> = {
					origin: base,
					accept: 'text/html',
					'content-type': 'application/x-www-form-urlencoded'
				};
				if (cookie && !a.id.endsWith('/sign-out')) headers.cookie = cookie;
				await send(`${base}${concrete(a.id)}${a.name === 'default' ? '' : `?/${a.name}`}`, {
					method: 'POST',
					headers,
					body
				});
				void name;
			}
	for (const url of [
		'/sign-in?/default',
		'/courses/%E0%A4%A',
		'/verify/AB%00CD',
		'/manage/people?q=%00'
	])
		await send(`${base}${url}`, {
			method: url.includes('?/') ? 'POST' : 'GET',
			headers: { origin: base }
		});
	const deep = new FormData();
	deep.append('credential', new Blob(['['.repeat(60_000)]), 'deep.json');
	await send(`${base}/verify?/credential`, {
		method: 'POST',
		headers: { origin: base, accept: 'text/html' },
		body: deep
	});
	for (const body of [
		JSON.stringify({ slug: '\u0000', item: 'x' }),
		'['.repeat(100_000),
		'{"cmi":'
	])
		await send(`${base}/api/scorm/launch`, {
			method: 'POST',
			headers: { origin: base, cookie: who.learner!, 'content-type': 'application/json' },
			body
		});
	const malformed = {
		requests: tally.requests - matrix.requests,
		fivexx: tally.fivexx - matrix.fivexx
	};

	// 3. Three parallel chunked 64 MB bodies to sign-in and forgot-password: cut off at the form limit.
	const rss = () =>
		Number(
			/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.process.pid}/status`, 'utf8'))?.[1] ?? 0
		) / 1024;
	const rssBefore = rss();
	const chunked = (p: string) =>
		new Promise<{ status: number; sent: number }>((resolve) => {
			const chunk = Buffer.alloc(64 * 1024, 'a');
			let sent = 0;
			let done = false;
			const req = http.request(`${base}${p}`, {
				method: 'POST',
				headers: {
					origin: base,
					accept: 'text/html',
					'content-type': 'application/x-www-form-urlencoded',
					'transfer-encoding': 'chunked'
				}
			});
			req.on('response', (res) => {
				done = true;
				res.resume();
				resolve({ status: res.statusCode ?? 0, sent });
				req.destroy();
			});
			req.on('error', () => !done && resolve({ status: 0, sent }));
			const pump = () => {
				while (!done && sent < 64 * 1024 * 1024) {
					sent += chunk.length;
					if (!req.write(chunk)) return void req.once('drain', pump);
				}
				if (!done) req.end();
			};
			pump();
		});
	const t0 = performance.now();
	const bodies = await Promise.all(['/sign-in', '/forgot-password', '/sign-in'].map(chunked));
	const chunkedFigures = {
		statuses: bodies.map((b) => b.status),
		mbTakenEach: bodies.map((b) => Math.round(b.sent / 1e5) / 10),
		ms: Math.round(performance.now() - t0),
		rssMbBefore: Math.round(rssBefore),
		rssMbAfter: Math.round(rss())
	};
	tally.requests += 3;

	// 4. Five stops of a PostgreSQL server of the probe's own while 20 clients load pages.
	const own = startPrivatePostgres(PORT + 10);
	const outagePort = PORT + 20;
	const outageBase = `http://127.0.0.1:${outagePort}`;
	const outageServer = await startServer(
		{ DATABASE_URL: own.url, JOBS_DISABLED: 'true', CONTENT_PORT: String(outagePort + 1) },
		outagePort
	);
	const latencies503: number[] = [];
	let outageRequests = 0;
	let outage5xx = 0;
	let running = true;
	const loops = Array.from({ length: 20 }, async (_, i) => {
		while (running) {
			const t = performance.now();
			const status = await send(`${outageBase}${['/healthz', '/sign-in', '/verify'][i % 3]}`);
			outageRequests++;
			if (status === 503) latencies503.push(performance.now() - t);
			else if (status >= 500 || status === 0) outage5xx++;
			await new Promise((r) => setTimeout(r, 50));
		}
	});
	for (let i = 0; i < 5; i++) {
		await new Promise((r) => setTimeout(r, 1000));
		await own.stop(i % 2 ? 'fast' : 'immediate');
		await new Promise((r) => setTimeout(r, 2000));
		await own.start();
		for (
			let w = 0;
			w < 200 &&
			(await fetch(`${outageBase}/healthz`).then(
				(r) => r.status,
				() => 0
			)) !== 200;
			w++
		)
			await new Promise((r) => setTimeout(r, 100));
	}
	running = false;
	await Promise.all(loops);
	latencies503.sort((a, b) => a - b);
	const outage = {
		stops: 5,
		requests: outageRequests,
		answered503: latencies503.length,
		p95of503ms: Math.round(latencies503[Math.floor(latencies503.length * 0.95)] ?? 0),
		otherFivexxOrNoAnswer: outage5xx,
		crashed: outageServer.process.exitCode !== null
	};
	if (outage.crashed)
		console.error(
			outageServer
				.output()
				.split('\n')
				.filter((l) => !l.includes('"level":"info"'))
				.slice(-40)
				.join('\n')
		);
	await outageServer.stop();
	own.destroy();

	console.log(
		JSON.stringify(
			{
				routes: routeIds.length,
				actions: actions.length,
				accessMatrix: {
					requests: matrix.requests,
					fivexx: matrix.fivexx,
					noAnswer: matrix.noAnswer,
					leaks: matrix.leaks
				},
				malformed,
				chunkedBodies: chunkedFigures,
				outage,
				total: {
					requests: tally.requests,
					fivexx: tally.fivexx,
					noAnswer: tally.noAnswer,
					crashed: server.process.exitCode !== null
				},
				seconds: Math.round((performance.now() - started) / 1000)
			},
			null,
			2
		)
	);
} finally {
	await server.stop();
	await pg.drop();
}
