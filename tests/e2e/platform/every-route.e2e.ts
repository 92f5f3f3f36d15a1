import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { E2E_BASE_URL } from '../support/server.ts';
import { worldIds, type WorldKey } from '../support/world.ts';
import { signIn, uploadPackage } from '../scorm/support.ts';
import { answerAssessmentRightly, finishLessonsAndStart, readCourse } from '../support/courses.ts';
import { lessonsFor } from '../../../src/lib/server/courses/content-schema.ts';

/**
 * Every page of the app, for every role, at 320 px: nothing scrolls sideways, axe (WCAG 2.2 AA)
 * finds nothing, and the browser logs no error. Routes are found from src/routes, so a page added
 * tomorrow is walked too; a page with parameters needs an entry in ROUTE_PARAMS (the first test
 * fails until it has one).
 */

const ROUTES_DIR = path.resolve(import.meta.dirname, '../../../src/routes');

/** Every page route, as its pattern without groups: "/courses/[slug]/lessons/[lesson]". */
function discoverPages(dir = ROUTES_DIR, segments: string[] = []): string[] {
	const found: string[] = [];
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		if (entry.isDirectory())
			found.push(
				...discoverPages(
					path.join(dir, entry.name),
					/^\(.*\)$/.test(entry.name) ? segments : [...segments, entry.name]
				)
			);
		else if (entry.name === '+page.svelte') found.push('/' + segments.join('/'));
	}
	return found.sort();
}

interface Fixture {
	courseSlug: string;
	lessonSlug: string;
	attemptId: string;
	certificateCode: string;
	organisationId: string;
	scormSlug: string;
	scormId: string;
	registrationId: string;
}

const DUMMY_TOKEN = 'abcdefghijklmnopqrstuvwxyz234567';
const DUMMY_UUID = '00000000-0000-4000-8000-000000000000';

/** Values for each dynamic route; tokens get a made-up one (the page explains the link is not valid). */
const ROUTE_PARAMS: Record<string, (f: Fixture) => Record<string, string>> = {
	'/admin/scorm/[id]': (f) => ({ id: f.scormId }),
	'/admin/scorm/[id]/learners/[registrationId]': (f) => ({
		id: f.scormId,
		registrationId: f.registrationId
	}),
	'/invite/[token]': () => ({ token: DUMMY_TOKEN }),
	'/reset-password/[token]': () => ({ token: DUMMY_TOKEN }),
	'/setup/[token]': () => ({ token: DUMMY_TOKEN }),
	'/courses/[slug]': (f) => ({ slug: f.courseSlug }),
	'/courses/[slug]/assessment/[attemptId]': (f) => ({ slug: f.courseSlug, attemptId: f.attemptId }),
	'/courses/[slug]/assessment/[attemptId]/result': (f) => ({
		slug: f.courseSlug,
		attemptId: f.attemptId
	}),
	'/courses/[slug]/lessons/[lesson]': (f) => ({ slug: f.courseSlug, lesson: f.lessonSlug }),
	'/scorm/[slug]': (f) => ({ slug: f.scormSlug }),
	'/scorm/[slug]/play': (f) => ({ slug: f.scormSlug }),
	'/manage/certificates/[code]': (f) => ({ code: f.certificateCode }),
	'/manage/organisations/[id]': (f) => ({ id: f.organisationId }),
	'/manage/people/[id]': () => ({ id: worldIds().routeWalker }),
	'/manage/people/[id]/edit': () => ({ id: worldIds().routeWalker }),
	'/manage/people/[id]/assign': () => ({ id: worldIds().routeWalker }),
	'/manage/people/[id]/record-external': () => ({ id: worldIds().routeWalker }),
	'/manage/people/[id]/status': () => ({ id: worldIds().routeWalker }),
	// Walked with real records by tests/e2e/people/person-tasks.e2e.ts; here the not-found page.
	'/manage/people/[id]/withdraw-assignment/[assignmentId]': () => ({
		id: worldIds().routeWalker,
		assignmentId: DUMMY_UUID
	}),
	'/manage/people/[id]/withdraw-completion/[completionId]': () => ({
		id: worldIds().routeWalker,
		completionId: DUMMY_UUID
	}),
	'/verify/[code]': (f) => ({ code: f.certificateCode }),
	'/courses/[slug]/assessment/[attemptId]/check': (f) => ({
		slug: f.courseSlug,
		attemptId: f.attemptId
	}),
	'/manage/organisations/[id]/sign-in': (f) => ({ id: f.organisationId }),
	'/admin/privacy/people/[id]': () => ({ id: worldIds().routeWalker }),
	// Events are walked by their own journey test; here an unknown id shows the not-found page.
	'/events/[id]': () => ({ id: DUMMY_UUID }),
	'/manage/events/[id]': () => ({ id: DUMMY_UUID }),
	'/manage/events/[id]/edit': () => ({ id: DUMMY_UUID }),
	'/trainer/events/[id]': () => ({ id: DUMMY_UUID })
};

const ROLES: (WorldKey | 'anonymous')[] = ['anonymous', 'routeWalker', 'policeManager', 'admin'];
const COURSE = readCourse('community-resolution');

test('every page route is known to the walker', () => {
	const pages = discoverPages();
	expect(pages.length).toBeGreaterThan(30);
	const dynamic = pages.filter((p) => p.includes('['));
	expect(
		dynamic.filter((p) => !ROUTE_PARAMS[p]),
		'add these routes to ROUTE_PARAMS'
	).toEqual([]);
	expect(
		Object.keys(ROUTE_PARAMS).filter((p) => !pages.includes(p)),
		'these ROUTE_PARAMS entries match no route'
	).toEqual([]);
});

/**
 * Real values for the parameters: the walker finishes a course (lessons by POST, the assessment by
 * its form), earning a certificate; the admin uploads a SCORM package the walker opens.
 */
async function makeFixture(browser: Browser): Promise<Fixture> {
	const { slug: scormSlug, adminUrl } = await uploadPackage(
		browser,
		'RuntimeMinimumCalls_SCORM12.zip',
		'Route walk SCORM'
	);
	const scormId = adminUrl.split('/').pop()!;
	const page = await (await browser.newContext()).newPage();
	await signIn(page, 'routeWalker');
	const path = lessonsFor(COURSE, 'frontline');
	const attemptId = await finishLessonsAndStart(page, COURSE, 'frontline', E2E_BASE_URL);
	await answerAssessmentRightly(page, COURSE, attemptId);
	expect(page.url()).toContain('/result');
	// The certificate the pass earned; without one, the certificate pages show their 404.
	await page.goto('/certificates');
	const pdf = page.locator('a[href^="/certificates/"][href$="/pdf"]').first();
	const certificateCode = (await pdf.count())
		? (await pdf.getAttribute('href'))!.split('/')[2]!
		: 'ABCD-EFGH-JKMN-PQRS';
	await page.goto(`/scorm/${scormSlug}/play`);
	await page.waitForLoadState('networkidle');
	await page.context().close();

	const admin = await (await browser.newContext()).newPage();
	await signIn(admin, 'admin');
	await admin.goto('/manage/organisations');
	const org = admin.locator('main a[href^="/manage/organisations/"]').first();
	const organisationId = (await org.getAttribute('href'))!.split('/').pop()!;
	await admin.goto(adminUrl);
	const reg = admin.locator(`main a[href^="${adminUrl}/learners/"]`).first();
	const registrationId = (await reg.count())
		? (await reg.getAttribute('href'))!.split('/').pop()!
		: DUMMY_UUID;
	await admin.context().close();
	return {
		courseSlug: COURSE.slug,
		lessonSlug: path[1]!.slug,
		attemptId,
		certificateCode,
		organisationId,
		scormSlug,
		scormId,
		registrationId
	};
}

function urlFor(pattern: string, fixture: Fixture): string {
	const params = ROUTE_PARAMS[pattern]?.(fixture) ?? {};
	return pattern.replace(/\[(\w+)\]/g, (_, name: string) =>
		encodeURIComponent(params[name] ?? 'missing')
	);
}

test.describe('at 320 px', () => {
	let fixture: Fixture;
	test.describe.configure({ mode: 'default' });
	test.beforeAll(async ({ browser }) => {
		test.setTimeout(180_000);
		fixture = await makeFixture(browser);
	});

	for (const role of ROLES) {
		test(`every page at 320 px as ${role}: no sideways scroll, axe clean, no console errors`, async ({
			browser
		}) => {
			test.setTimeout(600_000);
			const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
			const page = await context.newPage();
			if (role !== 'anonymous') await signIn(page, role);
			const problems: string[] = [];
			let current = '';
			page.on('console', (msg) => {
				if (msg.type() !== 'error') return;
				const from = msg.location().url;
				// The browser reports the document's own 403/404 status as an error; that is the page, not a fault.
				if (
					/Failed to load resource: the server responded with a status of (403|404)/.test(
						msg.text()
					) &&
					from &&
					new URL(from).pathname === new URL(current, E2E_BASE_URL).pathname
				)
					return;
				if (from && !from.startsWith(E2E_BASE_URL)) return; // a SCORM package's own frame is the supplier's
				// Every test browses from 127.0.0.1, and the certificates suite deliberately uses up the
				// per-address limit of /verify look-ups; that 429 is its test, not this page's fault.
				if (
					/status of 429/.test(msg.text()) &&
					from &&
					new URL(from).pathname.startsWith('/verify/')
				)
					return;
				problems.push(`${current}: console error: ${msg.text()} (${from})`);
			});
			page.on('pageerror', (err) => problems.push(`${current}: page error: ${err.message}`));
			const seen = new Set<string>();
			for (const pattern of discoverPages()) {
				current = urlFor(pattern, fixture);
				const response = await page.goto(current, { waitUntil: 'networkidle' });
				const status = response?.status() ?? 0;
				if (status >= 500) problems.push(`${current}: status ${status}`);
				const landed = new URL(page.url()).pathname;
				if (seen.has(landed)) continue; // e.g. every guarded page redirects the anonymous visitor to sign-in
				seen.add(landed);
				const overflow = await page.evaluate(
					() => document.documentElement.scrollWidth - document.documentElement.clientWidth
				);
				if (overflow > 0) problems.push(`${current}: scrolls sideways by ${overflow}px`);
				const axe = await new AxeBuilder({ page })
					.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
					.exclude('#scorm-frame')
					.analyze();
				for (const v of axe.violations)
					problems.push(
						`${current}: axe ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`
					);
			}
			await context.close();
			expect(problems).toEqual([]);
		});
	}
});
