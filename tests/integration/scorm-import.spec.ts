import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { makePerson, testDatabase } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { auditLog, courses } from '../../src/lib/server/db/schema.ts';
import {
	scormItems,
	scormPackageFiles,
	scormPackageVersions,
	scormPackages
} from '../../src/lib/server/db/schema-scorm.ts';
import {
	importPackage,
	listPackages,
	packageDetail,
	updatePackageCourse
} from '../../src/lib/server/scorm/packages.ts';
import { ForbiddenError, ValidationError } from '../../src/lib/server/errors.ts';
import { listCatalogue } from '../../src/lib/server/courses/service.ts';
import { makeZip, minimalManifest } from '../fixtures/scorm/zip-writer.ts';
import { importSample, testStorage, uploadOf } from '../fixtures/scorm/packages.ts';

let t: TestDatabase;
let admin: AuthUser;
let learner: AuthUser;
const store = testStorage();
const deps = { storage: store.storage, maxUploadBytes: 200 * 1024 * 1024 };
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);

beforeAll(async () => {
	t = await testDatabase();
	admin = await makePerson(t.db, { email: 'admin@scorm-import.example', isAdmin: true });
	learner = await makePerson(t.db, { email: 'learner@scorm-import.example' });
});
afterAll(async () => {
	await t?.close();
	store.cleanup();
});

describe('importing a package', () => {
	it('checks, stores and records a package as a SCORM course learners see in their catalogue', async () => {
		const result = await importSample(t.db, admin, store.storage, 'RuntimeBasicCalls_SCORM12.zip', {
			title: ''
		});
		expect(result.number).toBe(1);
		const [course] = await t.db.select().from(courses).where(eq(courses.slug, result.courseSlug));
		expect(course).toMatchObject({
			kind: 'scorm',
			title: 'Golf Explained - Run-time Basic Calls',
			version: 'v1',
			validityMonths: 12,
			estimatedMinutes: 20,
			active: true
		});
		const files = await t.db
			.select()
			.from(scormPackageFiles)
			.where(eq(scormPackageFiles.versionId, result.versionId));
		expect(files).toHaveLength(44);
		expect(files.find((f) => f.path === 'shared/launchpage.html')?.contentType).toMatch(
			/text\/html/
		);
		expect(fs.existsSync(path.join(store.dir, result.versionId, 'shared/launchpage.html'))).toBe(
			true
		);
		const items = await t.db
			.select()
			.from(scormItems)
			.where(eq(scormItems.versionId, result.versionId));
		expect(items.map((i) => [i.identifier, i.kind, i.launchUrl])).toEqual([
			['item_1', 'sco', 'shared/launchpage.html']
		]);
		const catalogue = await listCatalogue(t.db, learner);
		expect(catalogue.find((c) => c.slug === result.courseSlug)).toMatchObject({
			kind: 'scorm',
			href: `/scorm/${result.courseSlug}`
		});
		const [audit] = await t.db
			.select()
			.from(auditLog)
			.where(eq(auditLog.targetId, result.packageId));
		expect(audit).toMatchObject({ action: 'scorm.package.uploaded', actorId: admin.id });
	});

	it('gives every package a unique slug and keeps the title the admin typed', async () => {
		const a = await importSample(t.db, admin, store.storage, 'RuntimeMinimumCalls_SCORM12.zip', {
			title: 'Golf: the minimum'
		});
		const b = await importSample(t.db, admin, store.storage, 'RuntimeMinimumCalls_SCORM12.zip', {
			title: 'Golf: the minimum'
		});
		expect(a.courseSlug).toBe('golf-the-minimum');
		expect(b.courseSlug).toBe('golf-the-minimum-2');
	});

	it('adds a new version without touching the old one', async () => {
		const first = await importSample(
			t.db,
			admin,
			store.storage,
			'RuntimeBasicCalls_SCORM20043rdEdition.zip',
			{ title: 'Versioned' }
		);
		const second = await importPackage(
			t.db,
			admin,
			uploadOf('RuntimeBasicCalls_SCORM20043rdEdition.zip'),
			{},
			deps,
			first.packageId
		);
		expect(second.number).toBe(2);
		const versions = await t.db
			.select()
			.from(scormPackageVersions)
			.where(eq(scormPackageVersions.packageId, first.packageId));
		expect(versions.map((v) => v.number).sort()).toEqual([1, 2]);
		const [pkg] = await t.db
			.select()
			.from(scormPackages)
			.where(eq(scormPackages.id, first.packageId));
		expect(pkg!.currentVersionId).toBe(second.versionId);
		expect(fs.existsSync(path.join(store.dir, first.versionId, 'shared/launchpage.html'))).toBe(
			true
		);
		const [course] = await t.db.select().from(courses).where(eq(courses.slug, first.courseSlug));
		expect(course!.version).toBe('v2');
		const detail = await packageDetail(t.db, admin, first.packageId);
		expect(detail.versions.map((v) => v.number)).toEqual([2, 1]);
	});

	it('imports all six samples', async () => {
		for (const zip of [
			'ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip',
			'ContentPackagingSingleSCO_SCORM20042ndEdition.zip',
			'SequencingPostTestRollup4thEd_SCORM20044thEdition.zip'
		])
			expect((await importSample(t.db, admin, store.storage, zip)).number).toBe(1);
		const list = await listPackages(t.db, admin);
		expect(new Set(list.map((p) => p.scormVersion))).toEqual(
			new Set(['1.2', '2004-2', '2004-3', '2004-4'])
		);
	});

	it('lets only admins import, and edits the course fields with an audit entry', async () => {
		expect(
			await errorOf(importSample(t.db, learner, store.storage, 'RuntimeBasicCalls_SCORM12.zip'))
		).toBeInstanceOf(ForbiddenError);
		const r = await importSample(t.db, admin, store.storage, 'RuntimeBasicCalls_SCORM12.zip', {
			title: 'Edit me'
		});
		const bad = await errorOf(
			updatePackageCourse(t.db, admin, r.packageId, {
				title: '',
				audiences: [],
				validityMonths: 'x',
				estimatedMinutes: '10'
			})
		);
		expect(bad).toBeInstanceOf(ValidationError);
		expect(Object.keys((bad as ValidationError).fieldErrors).sort()).toEqual([
			'audiences',
			'title',
			'validityMonths'
		]);
		await updatePackageCourse(t.db, admin, r.packageId, {
			title: 'Edited',
			summary: 'S',
			audiences: 'community',
			validityMonths: '24',
			estimatedMinutes: '15',
			active: 'yes'
		});
		const [course] = await t.db.select().from(courses).where(eq(courses.slug, r.courseSlug));
		expect(course).toMatchObject({
			title: 'Edited',
			audiences: ['community'],
			validityMonths: 24,
			estimatedMinutes: 15,
			active: true
		});
		expect(await errorOf(updatePackageCourse(t.db, learner, r.packageId, {}))).toBeInstanceOf(
			ForbiddenError
		);
	});
});

describe('refusing bad packages with a clear message, storing nothing', () => {
	const refused = async (zip: Buffer | string, maxUploadBytes = deps.maxUploadBytes) => {
		const before = fs.readdirSync(store.dir).length;
		const packagesBefore = (await t.db.select().from(scormPackages)).length;
		const e = await errorOf(
			importPackage(
				t.db,
				admin,
				uploadOf(zip),
				{ audiences: 'frontline', validityMonths: '0', estimatedMinutes: '5' },
				{ ...deps, maxUploadBytes }
			)
		);
		expect(e).toBeInstanceOf(ValidationError);
		expect(fs.readdirSync(store.dir).length).toBe(before);
		expect((await t.db.select().from(scormPackages)).length).toBe(packagesBefore);
		return (e as ValidationError).fieldErrors.file!;
	};
	const withManifest = (manifest: string, extra: Parameters<typeof makeZip>[0] = []) =>
		makeZip([
			{ name: 'imsmanifest.xml', data: manifest },
			{ name: 'index.html', data: 'x' },
			...extra
		]);

	it('zip slip, symlink, bomb, missing or nested manifest, XXE, missing launch file, size limit', async () => {
		expect(
			await refused(withManifest(minimalManifest(), [{ name: '../../evil.html', data: 'x' }]))
		).toMatch(/goes up a folder/);
		expect(
			await refused(
				withManifest(minimalManifest(), [
					{ name: 'link', data: '/etc/passwd', method: 0, unixMode: 0o120777 }
				])
			)
		).toMatch(/symbolic link/);
		expect(
			await refused(
				withManifest(minimalManifest(), [
					{ name: 'zeros.bin', data: Buffer.alloc(8 * 1024 * 1024) }
				])
			)
		).toMatch(/zip bombs/);
		expect(await refused(makeZip([{ name: 'index.html', data: 'x' }]))).toMatch(
			/no imsmanifest.xml/
		);
		expect(
			await refused(makeZip([{ name: 'pkg/imsmanifest.xml', data: minimalManifest() }]))
		).toMatch(/must be at the top/);
		const xxe = minimalManifest()
			.replace(
				'<manifest',
				'<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<manifest'
			)
			.replace('Test package', '&xxe;');
		expect(await refused(withManifest(xxe))).toMatch(/DOCTYPE/);
		expect(await refused(makeZip([{ name: 'imsmanifest.xml', data: minimalManifest() }]))).toMatch(
			/does not contain: index.html/
		);
		expect(await refused(withManifest('<manifest><organizations>'))).toMatch(/not well-formed/);
		expect(await refused(Buffer.from('PK not really'))).toMatch(/not a zip file/);
		expect(await refused(withManifest(minimalManifest()), 10)).toMatch(
			/largest package we accept is 0 MB/
		);
	});
});
