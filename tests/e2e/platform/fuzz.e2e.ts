import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { expect, test } from '@playwright/test';
import { extraPort, startServer, type RunningServer } from '../support/server.ts';
import { createPostgresDatabase, migrateAndSeed, serverUrl } from '../../helpers/test-db.ts';
import { makePerson } from '../../helpers/people.ts';
import { openDatabase } from '../../../src/lib/server/db/client.ts';
import { createSession, SESSION_COOKIE } from '../../../src/lib/server/auth/sessions.ts';

/**
 * Property: no request, however malformed, gets a 5xx. fast-check generates bad input (NUL, lone
 * surrogates, bidi overrides, prototype names, huge, deep or garbled bodies, odd content types,
 * `?/default`) and posts it to every form action and endpoint found under src/routes, and sends
 * it to every page as parameters and query strings, signed out, as a learner and as an admin.
 * A server of its own, so that throttling and whatever the fuzz changes stay out of other tests.
 *
 * CI runs FUZZ_RUNS (default 2,000) cases within FUZZ_SECONDS (default 40), six at a time; `npm run
 * fuzz` runs 10,000 or more. FUZZ_SEED repeats a run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 40);
const CONCURRENCY = 6;
const ROUTES = path.resolve(import.meta.dirname, '../../../src/routes');

interface Target {
	routeId: string;
	kind: 'action' | 'endpoint' | 'page';
	/** action name (`default` for a default action) or HTTP method */
	name: string;
}

function walk(dir: string): string[] {
	return fs
		.readdirSync(dir, { withFileTypes: true })
		.flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Every page, form action and endpoint, read from the route files as SvelteKit would find them. */
function discover(): { targets: Target[]; fieldNames: string[] } {
	const targets: Target[] = [];
	const fieldNames = new Set<string>();
	for (const file of walk(ROUTES)) {
		const routeId =
			'/' + path.relative(ROUTES, path.dirname(file)).split(path.sep).filter(Boolean).join('/');
		const base = path.basename(file);
		const source = fs.readFileSync(file, 'utf8');
		if (base.endsWith('.svelte'))
			for (const m of source.matchAll(/\bname="([A-Za-z_][\w-]*)"/g)) fieldNames.add(m[1]!);
		if (base === '+page.svelte') targets.push({ routeId, kind: 'page', name: 'GET' });
		if (base === '+page.server.ts') {
			const block = /export const actions[^=]*=\s*\{([\s\S]*)\};?\s*$/.exec(source)?.[1] ?? '';
			for (const m of block.matchAll(/^\t([A-Za-z_]\w*)\s*:\s*async/gm))
				targets.push({ routeId, kind: 'action', name: m[1]! });
		}
		if (base === '+server.ts')
			for (const m of source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g))
				targets.push({ routeId, kind: 'endpoint', name: m[1]! });
	}
	return { targets, fieldNames: [...fieldNames] };
}

const NASTY = [
	'',
	'\u0000',
	'a\u0000b',
	'\uD83D',
	'\uDE00x',
	'😀'.slice(0, 1) + 'cut',
	'\u202Egnp.exe',
	'\u2066isolate\u2069',
	'\u0007\u001b[31m',
	'../../../etc/passwd',
	'<script>alert(1)</script>',
	"' or 1=1 --",
	'%00',
	'%',
	'-1',
	'0',
	'1e309',
	'NaN',
	'99999999999999999999',
	'true',
	'[]',
	'{}',
	'__proto__',
	'constructor',
	'/.//evil.example',
	'//evil.example',
	'https://evil.example',
	'00000000-0000-0000-0000-000000000000',
	'2026-02-30',
	'ABCD-EFGH-JKMN-PQRS',
	'x'.repeat(5000),
	'['.repeat(5000)
];

const value = fc.oneof(
	fc.constantFrom(...NASTY),
	fc.string({ maxLength: 40 }),
	fc.string({ unit: 'binary', maxLength: 40 }),
	fc.uuid(),
	fc.integer().map(String)
);
const paramValue = fc.oneof(
	fc.constantFrom(
		'00000000-0000-0000-0000-000000000000',
		'ABCD-EFGH-JKMN-PQRS',
		'not-a-thing',
		'%00',
		'%E0%A4%A',
		'..',
		'%2e%2e',
		'😀',
		'x'.repeat(300)
	),
	fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent)
);

function concretePath(routeId: string, params: string[]): string {
	let i = 0;
	const p = routeId
		.split('/')
		.filter((s) => s && !/^\(.*\)$/.test(s))
		.map((s) => (s.startsWith('[') ? params[i++ % params.length] : s))
		.join('/');
	return '/' + p;
}

test('no generated bad input to any form action, endpoint or page gets a 5xx', async () => {
	test.setTimeout((SECONDS + 90) * 1000);
	const { targets, fieldNames } = discover();
	expect(targets.filter((t) => t.kind === 'action').length).toBeGreaterThan(20);
	const names = [
		...fieldNames,
		'__proto__',
		'constructor',
		'toString',
		'hasOwnProperty',
		'',
		'a'.repeat(300),
		'\u0000'
	];

	// A database and server of its own, with a learner and an admin signed in through the database.
	const pg = serverUrl ? await createPostgresDatabase() : undefined;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-fuzz-'));
	const handle = await openDatabase({ databaseUrl: pg?.url, dataDir });
	let server: RunningServer | undefined;
	try {
		if (!pg) await migrateAndSeed(handle);
		const cookies: Record<string, string | undefined> = { anonymous: undefined };
		for (const [who, opts] of [
			['learner', {}],
			['admin', { isAdmin: true }]
		] as const) {
			const person = await makePerson(handle.db, { email: `fuzz.${who}@e2e.example`, ...opts });
			cookies[who] = `${SESSION_COOKIE}=${(await createSession(handle.db, person.id)).token}`;
		}
		await handle.close();
		const port = extraPort(74 + test.info().workerIndex);
		server = await startServer(
			pg
				? {
						DATABASE_URL: pg.url,
						JOBS_DISABLED: 'true',
						CONTENT_PORT: String(extraPort(76 + test.info().workerIndex))
					}
				: {
						DATA_DIR: dataDir,
						JOBS_DISABLED: 'true',
						CONTENT_PORT: String(extraPort(76 + test.info().workerIndex))
					},
			port
		);
		const base = `http://127.0.0.1:${port}`;

		const body = fc.oneof(
			fc.record({
				mode: fc.constant('urlencoded' as const),
				fields: fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 8 })
			}),
			fc.record({
				mode: fc.constant('multipart' as const),
				fields: fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 8 }),
				file: fc.option(
					fc.tuple(
						fc.constantFrom('file', 'credential', 'csv'),
						fc.oneof(value, fc.constant('['.repeat(100_000)), fc.constant('{"a":'.repeat(20_000)))
					)
				)
			}),
			fc.record({
				mode: fc.constant('json' as const),
				json: fc.oneof(
					fc.jsonValue({ maxDepth: 4 }),
					fc.constant('['.repeat(50_000)),
					fc.record({
						slug: value,
						item: value,
						launchId: fc.uuid(),
						token: value,
						seq: fc.integer(),
						cmi: fc.dictionary(value, value)
					})
				)
			}),
			fc.record({
				mode: fc.constant('raw' as const),
				bytes: fc.uint8Array({ maxLength: 200 }),
				type: fc.constantFrom(
					'application/x-www-form-urlencoded',
					'multipart/form-data; boundary=x',
					'multipart/form-data',
					'application/json',
					'text/plain',
					'application/octet-stream',
					''
				)
			})
		);
		const request = fc.record({
			target: fc.constantFrom(...targets),
			who: fc.constantFrom('anonymous', 'learner', 'admin'),
			params: fc.array(paramValue, { minLength: 1, maxLength: 3 }),
			query: fc.array(
				fc.tuple(
					fc.constantFrom(
						'next',
						'page',
						'q',
						'organisation',
						'status',
						'course',
						'/default',
						'id',
						'__proto__'
					),
					value
				),
				{ maxLength: 3 }
			),
			body
		});

		let sent = 0;
		let resets = 0;
		const statuses = new Map<number, number>();
		const failures: string[] = [];
		type FuzzCase = typeof request extends fc.Arbitrary<infer T> ? T : never;
		const attempt = async (r: FuzzCase) => {
			// Signing out would end the shared fuzz sessions; it is fuzzed signed out.
			const who = r.target.routeId.endsWith('/sign-out') ? 'anonymous' : r.who;
			const search = new URLSearchParams();
			if (r.target.kind === 'action')
				search.append(r.target.name === 'default' ? '' : `/${r.target.name}`, '');
			for (const [k, v] of r.query) search.append(k, v);
			const url = `${base}${concretePath(r.target.routeId, r.params)}?${search.toString().replace(/^=&?/, '')}`;
			const headers: Record<string, string> = {
				origin: base,
				accept: r.target.kind === 'endpoint' ? 'application/json' : 'text/html'
			};
			if (cookies[who]) headers.cookie = cookies[who]!;
			let payload: BodyInit | undefined;
			const method =
				r.target.kind === 'page' ? 'GET' : r.target.kind === 'endpoint' ? r.target.name : 'POST';
			if (method !== 'GET') {
				const b = r.body;
				if (b.mode === 'urlencoded') {
					headers['content-type'] = 'application/x-www-form-urlencoded';
					payload = new URLSearchParams(b.fields).toString();
				} else if (b.mode === 'multipart') {
					const form = new FormData();
					for (const [k, v] of b.fields) form.append(k, v);
					if (b.file) form.append(b.file[0], new Blob([b.file[1]]), 'upload.json');
					payload = form;
				} else if (b.mode === 'json') {
					headers['content-type'] = 'application/json';
					payload = typeof b.json === 'string' ? b.json : JSON.stringify(b.json);
				} else {
					if (b.type) headers['content-type'] = b.type;
					payload = new Uint8Array(b.bytes);
				}
			}
			const send = async () => {
				const res = await fetch(url, {
					method,
					headers,
					body: payload,
					redirect: 'manual',
					signal: AbortSignal.timeout(20_000)
				});
				await res.arrayBuffer();
				return res.status;
			};
			let status: number;
			try {
				status = await send();
			} catch (first) {
				// A server that answers before reading a body it refuses may reset the connection while
				// the client is still sending; that is no fault if it is alive and answers the same again.
				resets++;
				try {
					status = server!.process.exitCode === null ? await send() : 0;
				} catch (e) {
					status = 0;
					failures.push(
						`${method} ${url.slice(0, 300)}: ${String(first)} ${String((first as { cause?: unknown }).cause)}; again: ${String((e as { cause?: unknown }).cause)}`
					);
				}
			}
			sent++;
			statuses.set(status, (statuses.get(status) ?? 0) + 1);
			if (status >= 500 || status === 0)
				failures.push(
					`${status} ${method} ${url.slice(0, 300)} (${r.target.kind} ${r.target.name} as ${who}, ${r.body.mode})`
				);
		};
		// fast-check generates the cases (reproducible from the seed); a few run at once, within the time limit.
		const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
		const cases = fc.sample(request, { numRuns: RUNS, seed });
		const deadline = performance.now() + SECONDS * 1000;
		let next = 0;
		await Promise.all(
			Array.from({ length: CONCURRENCY }, async () => {
				while (next < cases.length && performance.now() < deadline) await attempt(cases[next++]!);
			})
		);
		console.log(
			`fuzz: ${sent} requests to ${targets.length} targets (seed ${seed}) in at most ${SECONDS} s, ${resets} connection resets answered on retry; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`
		);
		expect(
			failures,
			`5xx or no answer; server log:\n${server.output().split('\n').slice(-8).join('\n')}`
		).toEqual([]);
		expect(server.process.exitCode).toBeNull();
		expect(sent).toBeGreaterThan(Math.min(RUNS, 500));
	} finally {
		await server?.stop();
		await pg?.drop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
});
