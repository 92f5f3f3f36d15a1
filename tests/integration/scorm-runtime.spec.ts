import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { makePerson, testDatabase } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { completions } from '../../src/lib/server/db/schema.ts';
import {
	scormCommits,
	scormLaunches,
	scormRegistrations,
	scormRuntime
} from '../../src/lib/server/db/schema-scorm.ts';
import { onCourseCompleted } from '../../src/lib/server/courses/completion.ts';
import {
	commitRuntime,
	launchItem,
	scormOverview,
	startAgain,
	type LaunchInfo
} from '../../src/lib/server/scorm/runtime.ts';
import {
	importPackage,
	packageDetail,
	registrationSupport
} from '../../src/lib/server/scorm/packages.ts';
import { forgetContentKey } from '../../src/lib/server/scorm/content-url.ts';
import {
	ConflictError,
	ForbiddenError,
	NotFoundError,
	ValidationError
} from '../../src/lib/server/errors.ts';
import { makeZip } from '../fixtures/scorm/zip-writer.ts';
import { importSample, testStorage, uploadOf } from '../fixtures/scorm/packages.ts';

let t: TestDatabase;
let admin: AuthUser;
const store = testStorage();
const deps = { contentOrigin: 'http://localhost:4999' };
const hooked: string[] = [];
onCourseCompleted(async (_tx, completion) => {
	if (completion.source === 'scorm') hooked.push(completion.id);
});
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);
let people = 0;
const learner = () =>
	makePerson(t.db, {
		email: `learner${++people}@scorm-runtime.example`,
		name: `Lee Learner${people}`
	});

beforeAll(async () => {
	forgetContentKey();
	t = await testDatabase();
	admin = await makePerson(t.db, { email: 'admin@scorm-runtime.example', isAdmin: true });
});
afterAll(async () => {
	await t?.close();
	store.cleanup();
});

/** Commits for a launch, with sequence numbers counted from its base. */
function committer(user: AuthUser, launch: LaunchInfo) {
	let n = 0;
	return {
		next: (
			cmi: Record<string, unknown>,
			terminate = false,
			transport: 'fetch' | 'beacon' = 'fetch'
		) =>
			commitRuntime(
				t.db,
				user,
				{
					launchId: launch.launchId,
					token: launch.token,
					seq: launch.sequenceBase + ++n,
					cmi,
					terminate
				},
				transport,
				100
			),
		at: (seq: number, cmi: Record<string, unknown>, terminate = false) =>
			commitRuntime(
				t.db,
				user,
				{
					launchId: launch.launchId,
					token: launch.token,
					seq: launch.sequenceBase + seq,
					cmi,
					terminate
				},
				'fetch',
				100
			)
	};
}

const cmi12 = (core: Record<string, unknown>, suspend = '') => ({
	cmi: { core: { score: { raw: '', min: '', max: '' }, ...core }, suspend_data: suspend }
});

/** A one-SCO package with the manifest values under test. */
function customPackage(version: '1.2' | '2004', itemExtra: string): Buffer {
	const manifest =
		version === '1.2'
			? `<?xml version="1.0"?><manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Custom 1.2</title><item identifier="i" identifierref="r"><title>Quiz</title>${itemExtra}</item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"/></resources></manifest>`
			: `<?xml version="1.0"?><manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 3rd Edition</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Custom 2004</title><item identifier="i" identifierref="r"><title>Quiz</title>${itemExtra}</item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="index.html"/></resources></manifest>`;
	return makeZip([
		{ name: 'imsmanifest.xml', data: manifest },
		{ name: 'index.html', data: '<!doctype html><title>SCO</title>' }
	]);
}

async function importCustom(zip: Buffer, title: string) {
	return importPackage(
		t.db,
		admin,
		uploadOf(zip),
		{ title, audiences: ['frontline'], validityMonths: '0', estimatedMinutes: '5' },
		{ storage: store.storage, maxUploadBytes: 10 * 1024 * 1024 }
	);
}

describe('launching', () => {
	it('creates a registration, launches with credit and ab-initio, and gives a signed content address', async () => {
		const pkg = await importSample(t.db, admin, store.storage, 'RuntimeBasicCalls_SCORM12.zip', {
			title: 'Basic 1.2'
		});
		const lee = await learner();
		expect((await scormOverview(t.db, lee, pkg.courseSlug)).registration).toBeNull();
		const launch = await launchItem(t.db, lee, { slug: pkg.courseSlug, via: 'start' }, deps);
		expect(launch).toMatchObject({
			scormVersion: '1.2',
			kind: 'sco',
			entry: 'ab-initio',
			item: { identifier: 'item_1' }
		});
		expect(launch.contentUrl).toMatch(
			new RegExp(
				`^http://localhost:4999/c/${pkg.versionId}/\\d+/[A-Za-z0-9_-]{32}/shared/launchpage\\.html$`
			)
		);
		const core = (launch.cmi as { core: Record<string, string> }).core;
		expect(core).toMatchObject({
			credit: 'credit',
			lesson_mode: 'normal',
			entry: 'ab-initio',
			lesson_status: 'not attempted',
			student_name: `Learner${people}, Lee`
		});
		expect(core.student_id).not.toContain(lee.id);
		expect(launch.sequenceBase).toBe(1_000_000);
		const overview = await scormOverview(t.db, lee, pkg.courseSlug);
		expect(overview.registration).toMatchObject({ number: 1, versionNumber: 1 });
		expect(await errorOf(launchItem(t.db, lee, { slug: 'no-such-course' }, deps))).toBeInstanceOf(
			NotFoundError
		);
		const volunteer = await makePerson(t.db, {
			email: 'vol@scorm-runtime.example',
			audience: 'community',
			organisationKey: 'community-volunteers'
		});
		const onlyFrontline = await importCustom(customPackage('1.2', ''), 'Front-line only');
		expect(
			await errorOf(launchItem(t.db, volunteer, { slug: onlyFrontline.courseSlug }, deps))
		).toBeInstanceOf(NotFoundError);
	});
});

describe('the commit service', () => {
	it('accepts JSON and beacon commits, refuses other learners and bad tokens, ignores replays and older commits', async () => {
		const pkg = await importSample(t.db, admin, store.storage, 'RuntimeBasicCalls_SCORM12.zip', {
			title: 'Commits'
		});
		const lee = await learner();
		const other = await learner();
		const launch = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		const c = committer(lee, launch);
		expect(
			await c.next(cmi12({ lesson_status: 'incomplete', lesson_location: '1' }))
		).toMatchObject({ applied: true, completion: 'incomplete' });
		expect(
			await c.next(cmi12({ lesson_status: 'incomplete', lesson_location: '2' }), false, 'beacon')
		).toMatchObject({ applied: true });

		// another learner, even with the right token, cannot write this attempt
		const stolen = {
			launchId: launch.launchId,
			token: launch.token,
			seq: launch.sequenceBase + 50,
			cmi: cmi12({ lesson_status: 'passed' })
		};
		expect(await errorOf(commitRuntime(t.db, other, stolen, 'fetch', 10))).toBeInstanceOf(
			ForbiddenError
		);
		expect(
			await errorOf(commitRuntime(t.db, lee, { ...stolen, token: 'x'.repeat(32) }, 'fetch', 10))
		).toBeInstanceOf(ForbiddenError);
		expect(
			await errorOf(commitRuntime(t.db, lee, { ...stolen, seq: 5 }, 'fetch', 10))
		).toBeInstanceOf(ValidationError);
		expect(
			await errorOf(
				commitRuntime(
					t.db,
					lee,
					{ ...stolen, launchId: '00000000-0000-0000-0000-000000000000' },
					'fetch',
					10
				)
			)
		).toBeInstanceOf(NotFoundError);
		expect(await errorOf(commitRuntime(t.db, lee, { nonsense: true }, 'fetch', 10))).toBeInstanceOf(
			ValidationError
		);

		// replay of sequence 2: nothing changes, nothing new in the history
		expect(
			await c.at(2, cmi12({ lesson_status: 'incomplete', lesson_location: '2' }))
		).toMatchObject({ applied: false, duplicate: true });
		// 4 arrives before 3: 3 is kept in the history as stale and does not overwrite 4
		expect(
			await c.at(4, cmi12({ lesson_status: 'incomplete', lesson_location: '4' }))
		).toMatchObject({ applied: true });
		expect(
			await c.at(3, cmi12({ lesson_status: 'incomplete', lesson_location: '3' }))
		).toMatchObject({ applied: false, stale: true });
		expect(
			await c.at(3, cmi12({ lesson_status: 'incomplete', lesson_location: '3' }))
		).toMatchObject({ applied: false, duplicate: true });
		const [rt] = await t.db
			.select()
			.from(scormRuntime)
			.where(
				and(
					eq(scormRuntime.itemIdentifier, 'item_1'),
					eq(scormRuntime.lastSequence, launch.sequenceBase + 4)
				)
			);
		expect(rt).toMatchObject({ location: '4', lastSequence: launch.sequenceBase + 4 });
		const history = await t.db
			.select()
			.from(scormCommits)
			.where(eq(scormCommits.launchId, launch.launchId));
		expect(
			history
				.map((h) => [h.sequence - launch.sequenceBase, h.outcome, h.transport])
				.sort((a, b) => Number(a[0]) - Number(b[0]))
		).toEqual([
			[1, 'applied', 'fetch'],
			[2, 'applied', 'beacon'],
			[3, 'stale', 'fetch'],
			[4, 'applied', 'fetch']
		]);
	});

	it('keeps the newest of many commits racing for one SCO, and records every other one as stale', async () => {
		const pkg = await importSample(t.db, admin, store.storage, 'RuntimeBasicCalls_SCORM12.zip', {
			title: 'Racing commits'
		});
		const lee = await learner();
		const launch = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		// 24 commits in a shuffled order, all at once: each reads the stored row without a lock
		const order = Array.from({ length: 24 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
		const results = await Promise.all(
			order.map((n) =>
				commitRuntime(
					t.db,
					lee,
					{
						launchId: launch.launchId,
						token: launch.token,
						seq: launch.sequenceBase + n,
						cmi: cmi12({ lesson_status: 'incomplete', lesson_location: String(n) })
					},
					'fetch',
					100
				)
			)
		);
		expect(results.filter((r) => r.duplicate)).toEqual([]);
		const [row] = await t.db
			.select()
			.from(scormLaunches)
			.where(eq(scormLaunches.id, launch.launchId));
		const [rt] = await t.db
			.select()
			.from(scormRuntime)
			.where(eq(scormRuntime.registrationId, row!.registrationId));
		expect(rt).toMatchObject({ location: '24', lastSequence: launch.sequenceBase + 24 });
		const history = await t.db
			.select()
			.from(scormCommits)
			.where(eq(scormCommits.launchId, launch.launchId));
		expect(history).toHaveLength(24);
		// what each commit was told matches what the history says of it
		const told = new Map(order.map((n, i) => [n, results[i]!.applied ? 'applied' : 'stale']));
		expect(
			new Map(history.map((h) => [h.sequence - launch.sequenceBase, h.outcome as string]))
		).toEqual(told);
		expect(told.get(24)).toBe('applied');
	});

	it('resumes after a suspend or an unfinished session, orders later launches after earlier ones, and adds up session times', async () => {
		const pkg = await importSample(t.db, admin, store.storage, 'RuntimeBasicCalls_SCORM12.zip', {
			title: 'Resume'
		});
		const lee = await learner();
		const first = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		const c1 = committer(lee, first);
		await c1.next(
			cmi12(
				{
					lesson_status: 'incomplete',
					lesson_location: '5',
					exit: 'suspend',
					session_time: '00:01:00'
				},
				'page=5'
			),
			true
		);
		const second = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		expect(second.entry).toBe('resume');
		expect(second.sequenceBase).toBe(2_000_000);
		expect(
			(second.cmi as { core: Record<string, string>; suspend_data: string }).core
		).toMatchObject({ entry: 'resume', lesson_location: '5', total_time: '0000:01:00.00' });
		expect((second.cmi as { suspend_data: string }).suspend_data).toBe('page=5');
		// the tab is closed without LMSFinish: the last state came by beacon, not terminated
		const c2 = committer(lee, second);
		await c2.next(
			cmi12({ lesson_status: 'incomplete', lesson_location: '9', session_time: '00:02:30' }),
			false,
			'beacon'
		);
		// a late commit from the first launch arrives after the second launch's: refused as older
		expect(
			await c1.at(7, cmi12({ lesson_status: 'incomplete', lesson_location: '6' }))
		).toMatchObject({ applied: false, stale: true });
		const third = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		expect(third.entry).toBe('resume');
		expect((third.cmi as { core: Record<string, string> }).core).toMatchObject({
			lesson_location: '9',
			total_time: '0000:03:30.00'
		});
		// finishing normally (exit "") starts the next launch afresh
		await committer(lee, third).next(
			cmi12({
				lesson_status: 'completed',
				lesson_location: '14',
				exit: '',
				session_time: '00:00:30'
			}),
			true
		);
		const fourth = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		expect(fourth.entry).toBe('ab-initio');
		expect((fourth.cmi as { core: Record<string, string> }).core).toMatchObject({
			lesson_location: '',
			lesson_status: 'completed',
			total_time: '0000:04:00.00'
		});
	});
});

describe('what a SCO stores comes back exactly', () => {
	it('suspend data cut in the middle of an emoji, and a NUL in the location, are saved and resumed as sent', async () => {
		const pkg = await importSample(t.db, admin, store.storage, 'RuntimeBasicCalls_SCORM12.zip', {
			title: 'Cut emoji'
		});
		const lee = await learner();
		const launch = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		const cut = 'answers=😀😀;page=3;note=🎉'.slice(0, -1);
		expect(cut.isWellFormed()).toBe(false);
		const c = committer(lee, launch);
		expect(
			await c.next(
				cmi12({ lesson_status: 'incomplete', lesson_location: 'p\u00003', exit: 'suspend' }, cut),
				true
			)
		).toMatchObject({ applied: true });
		const resumed = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		expect(resumed.entry).toBe('resume');
		const cmi = resumed.cmi as { suspend_data: string; core: { lesson_location: string } };
		expect(cmi.suspend_data).toBe(cut);
		expect(cmi.core.lesson_location).toBe('p\u00003');
	});
});

describe('completion worked out on the server and written once', () => {
	it('SCORM 1.2 mastery score: a "passed" below the mastery score does not complete; a real pass does, once', async () => {
		const pkg = await importCustom(
			customPackage('1.2', '<adlcp:masteryscore>80</adlcp:masteryscore>'),
			'Mastery'
		);
		const lee = await learner();
		const launch = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		expect(
			(launch.cmi as { student_data: Record<string, string> }).student_data.mastery_score
		).toBe('80');
		const c = committer(lee, launch);
		expect(
			await c.next(cmi12({ lesson_status: 'passed', score: { raw: '70', min: '0', max: '100' } }))
		).toMatchObject({ applied: true, success: 'failed', courseCompleted: false });
		expect(
			await t.db.select().from(completions).where(eq(completions.userId, lee.id))
		).toHaveLength(0);
		const before = hooked.length;
		expect(
			await c.next(cmi12({ lesson_status: 'passed', score: { raw: '85', min: '0', max: '100' } }))
		).toMatchObject({ success: 'passed', courseCompleted: true });
		expect(
			await c.next(
				cmi12({ lesson_status: 'passed', score: { raw: '90', min: '0', max: '100' } }),
				true
			)
		).toMatchObject({ courseCompleted: true });
		const rows = await t.db.select().from(completions).where(eq(completions.userId, lee.id));
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			source: 'scorm',
			courseVersion: 'v1',
			scorePercent: 85,
			attemptId: null
		});
		expect(hooked.length).toBe(before + 1);
		const [reg] = await t.db
			.select()
			.from(scormRegistrations)
			.where(eq(scormRegistrations.userId, lee.id));
		expect(reg).toMatchObject({ completionId: rows[0]!.id, scorePercent: 85 });
	});

	it('SCORM 2004: completion threshold and scaled passing score decide, not the status strings', async () => {
		const pkg = await importCustom(
			customPackage(
				'2004',
				'<adlcp:completionThreshold>0.8</adlcp:completionThreshold><imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true"><imsss:minNormalizedMeasure>0.7</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives></imsss:sequencing>'
			),
			'Thresholds'
		);
		const lee = await learner();
		const launch = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		expect(launch.cmi).toMatchObject({
			completion_threshold: '0.8',
			scaled_passing_score: '0.7',
			credit: 'credit',
			entry: 'ab-initio'
		});
		const c = committer(lee, launch);
		const state = (progress: string, scaled: string) => ({
			cmi: {
				completion_status: 'completed',
				success_status: 'passed',
				progress_measure: progress,
				score: { scaled, raw: String(Number(scaled) * 100), min: '0', max: '100' }
			}
		});
		expect(await c.next(state('0.5', '0.9'))).toMatchObject({
			completion: 'incomplete',
			success: 'passed',
			courseCompleted: false
		});
		expect(await c.next(state('0.9', '0.6'))).toMatchObject({
			completion: 'completed',
			success: 'failed',
			courseCompleted: false
		});
		expect(await c.next(state('0.9', '0.75'))).toMatchObject({
			completion: 'completed',
			success: 'passed',
			courseCompleted: true
		});
		const [row] = await t.db.select().from(completions).where(eq(completions.userId, lee.id));
		expect(row).toMatchObject({ source: 'scorm', scorePercent: 75 });
	});

	it('multi-SCO 1.2 (RuntimeMinimumCalls): SCOs that never set a status complete on finishing; the course when all 18 have', async () => {
		const pkg = await importSample(t.db, admin, store.storage, 'RuntimeMinimumCalls_SCORM12.zip', {
			title: 'Minimum'
		});
		const lee = await learner();
		let overview = await scormOverview(t.db, lee, pkg.courseSlug);
		const leaves = overview.toc.filter((i) => i.launchable);
		expect(leaves).toHaveLength(18);
		expect(leaves.every((l) => l.choosable)).toBe(true);
		expect(leaves[0]!.next).toBe(leaves[1]!.identifier);
		let launch = await launchItem(t.db, lee, { slug: pkg.courseSlug, via: 'start' }, deps);
		for (let i = 0; i < leaves.length; i++) {
			expect(launch.item.identifier).toBe(leaves[i]!.identifier);
			const result = await committer(lee, launch).next(
				cmi12({ lesson_status: 'not attempted', session_time: '00:00:05' }),
				true
			);
			expect(result).toMatchObject({
				completion: 'completed',
				courseCompleted: i === leaves.length - 1
			});
			if (i < leaves.length - 1)
				launch = await launchItem(
					t.db,
					lee,
					{ slug: pkg.courseSlug, via: 'next', from: launch.item.identifier },
					deps
				);
		}
		expect(
			await errorOf(
				launchItem(
					t.db,
					lee,
					{ slug: pkg.courseSlug, via: 'next', from: launch.item.identifier },
					deps
				)
			)
		).toBeInstanceOf(ConflictError);
		overview = await scormOverview(t.db, lee, pkg.courseSlug);
		expect(overview.done).toBe(18);
		expect(overview.registration?.completedAt).not.toBeNull();
		expect(
			await t.db.select().from(completions).where(eq(completions.userId, lee.id))
		).toHaveLength(1);
	});

	it('assets complete when launched (ContentPackagingOneFilePerSCO)', async () => {
		const pkg = await importSample(
			t.db,
			admin,
			store.storage,
			'ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip',
			{ title: 'Assets' }
		);
		const lee = await learner();
		const overview = await scormOverview(t.db, lee, pkg.courseSlug);
		const leaves = overview.toc.filter((i) => i.launchable);
		// SCORM 2004 without control modes: choice only (flow defaults to false)
		expect(leaves[0]!.next).toBeNull();
		let last: LaunchInfo | undefined;
		for (const leaf of leaves)
			last = await launchItem(
				t.db,
				lee,
				{ slug: pkg.courseSlug, item: leaf.identifier, via: 'choice' },
				deps
			);
		expect(last).toMatchObject({ kind: 'asset', cmi: null, courseCompleted: true });
		const [row] = await t.db.select().from(completions).where(eq(completions.userId, lee.id));
		expect(row).toMatchObject({ source: 'scorm', scorePercent: null });
	});
});

describe('sequencing (SequencingPostTestRollup 4th Edition)', () => {
	it('keeps each part locked until the one before is completed, and hides the quiz until then', async () => {
		const pkg = await importSample(
			t.db,
			admin,
			store.storage,
			'SequencingPostTestRollup4thEd_SCORM20044thEdition.zip',
			{ title: 'Sequenced' }
		);
		const lee = await learner();
		const view = async () =>
			Object.fromEntries(
				(await scormOverview(t.db, lee, pkg.courseSlug)).toc.map((i) => [i.identifier, i])
			);
		let toc = await view();
		expect(toc.playing_item).toMatchObject({ enabled: true, choosable: true });
		expect(toc.etuqiette_item).toMatchObject({ enabled: false, choosable: false });
		expect(toc.assessment_item).toMatchObject({ listed: false });
		expect(
			await errorOf(
				launchItem(t.db, lee, { slug: pkg.courseSlug, item: 'etuqiette_item', via: 'choice' }, deps)
			)
		).toBeInstanceOf(ConflictError);
		const playing = await launchItem(t.db, lee, { slug: pkg.courseSlug, via: 'start' }, deps);
		expect(playing.item.identifier).toBe('playing_item');
		await committer(lee, playing).next(
			{ cmi: { completion_status: 'completed', progress_measure: '1' } },
			true
		);
		toc = await view();
		expect(toc.etuqiette_item).toMatchObject({ enabled: true, choosable: true });
		expect(toc.handicapping_item).toMatchObject({ enabled: false });
		const next = await launchItem(
			t.db,
			lee,
			{ slug: pkg.courseSlug, via: 'next', from: 'playing_item' },
			deps
		);
		expect(next.item.identifier).toBe('etuqiette_item');
	});
});

describe('versions and support', () => {
	it('keeps a learner on the version they started; the next registration uses the new one; the admin sees both', async () => {
		const pkg = await importSample(t.db, admin, store.storage, 'RuntimeBasicCalls_SCORM12.zip', {
			title: 'Versions'
		});
		const lee = await learner();
		const launch = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		await importPackage(
			t.db,
			admin,
			uploadOf('RuntimeBasicCalls_SCORM12.zip'),
			{},
			{ storage: store.storage, maxUploadBytes: 10 * 1024 * 1024 },
			pkg.packageId
		);
		const again = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		expect(again.contentUrl).toContain(pkg.versionId);
		await committer(lee, again).next(
			cmi12({
				lesson_status: 'passed',
				score: { raw: '90', min: '0', max: '100' },
				session_time: '00:05:00'
			}),
			true
		);
		const [row] = await t.db.select().from(completions).where(eq(completions.userId, lee.id));
		expect(row!.courseVersion).toBe('v1');
		expect(await errorOf(startAgain(t.db, await learner(), pkg.courseSlug))).toBeUndefined();
		await startAgain(t.db, lee, pkg.courseSlug);
		const renewed = await launchItem(t.db, lee, { slug: pkg.courseSlug }, deps);
		expect(renewed.contentUrl).not.toContain(pkg.versionId);
		expect(renewed.entry).toBe('ab-initio');
		const detail = await packageDetail(t.db, admin, pkg.packageId);
		const mine = detail.registrations.filter((r) => r.name === lee.name);
		expect(mine.map((r) => [r.number, r.versionNumber]).sort()).toEqual([
			[1, 1],
			[2, 2]
		]);
		const first = mine.find((r) => r.number === 1)!;
		const support = await registrationSupport(t.db, admin, pkg.packageId, first.id);
		expect(support.registration).toMatchObject({
			versionNumber: 1,
			completionVersion: 'v1',
			scorePercent: 90
		});
		expect(support.items[0]).toMatchObject({
			completionStatus: 'completed',
			successStatus: 'passed',
			reportedStatus: 'passed',
			scoreRaw: 90,
			totalSeconds: 300,
			launches: 2
		});
		expect(support.commits).toHaveLength(1);
		expect(await errorOf(registrationSupport(t.db, lee, pkg.packageId, first.id))).toBeInstanceOf(
			ForbiddenError
		);
		void launch;
		const [rt] = await t.db
			.select()
			.from(scormRuntime)
			.where(
				and(eq(scormRuntime.registrationId, first.id), eq(scormRuntime.itemIdentifier, 'item_1'))
			);
		expect(rt!.satisfiedAt).not.toBeNull();
	});
});
