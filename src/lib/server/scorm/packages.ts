import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { and, asc, count, desc, eq, inArray, like, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import {
	audiences as AUDIENCES,
	completions,
	courses,
	organisations,
	users,
	type Audience
} from '../db/schema.ts';
import {
	scormCommits,
	scormItems,
	scormLaunches,
	scormPackageFiles,
	scormPackageVersions,
	scormPackages,
	scormRegistrations,
	scormRuntime
} from '../db/schema-scorm.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { assertAdmin } from '../auth/permissions.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { recordAudit } from '../audit/service.ts';
import { logger } from '../logger.ts';
import { parseInput } from '../validation.ts';
import {
	flattenItems,
	ManifestError,
	parseManifest,
	SCORM_VERSION_LABELS,
	type ParsedManifest
} from './manifest.ts';
import { DEFAULT_ZIP_LIMITS, inspectZip, openEntry, PackageError, type ZipLimits } from './zip.ts';
import { contentTypeFor, StorageUnavailableError, type ScormStorage } from './storage.ts';
import { refreshObligations } from '../tracking/queries.ts';

export interface ImportDeps {
	storage: ScormStorage;
	maxUploadBytes: number;
	limits?: ZipLimits;
}

export interface UploadedFile {
	/** a temporary file holding the upload */
	path: string;
	name: string;
	size: number;
}

const MB = 1024 * 1024;
const courseFields = z.object({
	title: z
		.string()
		.trim()
		.max(200, 'Enter a title of 200 characters or fewer')
		.optional()
		.default(''),
	summary: z
		.string()
		.trim()
		.max(2000, 'Enter a summary of 2000 characters or fewer')
		.optional()
		.default(''),
	audiences: z
		.union([z.string(), z.array(z.string())])
		.optional()
		.transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
		.pipe(
			z
				.array(z.enum(AUDIENCES, 'Choose who the course is for'))
				.min(1, 'Choose who the course is for')
		),
	validityMonths: z.coerce
		.number({ error: 'Enter a number of months, or 0 if it never expires' })
		.int('Enter a whole number of months')
		.min(0, 'Enter 0 or more months')
		.max(120, 'Enter 120 months or fewer'),
	estimatedMinutes: z.coerce
		.number({ error: 'Enter a number of minutes' })
		.int('Enter a whole number of minutes')
		.min(1, 'Enter at least 1 minute')
		.max(1000, 'Enter 1000 minutes or fewer')
});

export type CourseFieldsInput = z.input<typeof courseFields>;

export function slugify(title: string): string {
	const base = title
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 60)
		.replace(/-+$/, '');
	return base || 'scorm-course';
}

async function uniqueSlug(db: Db, title: string): Promise<string> {
	const base = slugify(title);
	const taken = new Set(
		(
			await db
				.select({ slug: courses.slug })
				.from(courses)
				.where(like(courses.slug, `${base}%`))
		).map((r) => r.slug)
	);
	if (!taken.has(base)) return base;
	for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

async function sha256File(file: string): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
	return hash.digest('hex');
}

/** The message to show for a refused package, or null when the error is not about the package. */
export function packageProblem(e: unknown): string | null {
	if (
		e instanceof PackageError ||
		e instanceof ManifestError ||
		e instanceof StorageUnavailableError
	)
		return e.message;
	return null;
}

/**
 * Checks a package completely before anything is stored, then stores its files and records it:
 * as a new course, or as a new version of an existing package (`packageId`), keeping every
 * learner's records on the version they used.
 */
export async function importPackage(
	db: Db,
	actor: AuthUser,
	upload: UploadedFile,
	raw: Record<string, unknown>,
	deps: ImportDeps,
	packageId?: string
): Promise<{
	packageId: string;
	versionId: string;
	number: number;
	courseSlug: string;
	warnings: string[];
}> {
	assertAdmin(actor);
	const fields = packageId ? null : parseInput(courseFields, raw);
	const fail = (message: string): never => {
		throw new ValidationError({ file: message }, message);
	};
	if (!upload.size) fail('Choose a SCORM package (.zip file) to upload');
	if (upload.size > deps.maxUploadBytes)
		fail(
			`The file is ${Math.ceil(upload.size / MB)} MB; the largest package we accept is ${Math.round(deps.maxUploadBytes / MB)} MB.`
		);
	let existing: { id: string; courseId: string } | undefined;
	if (packageId) {
		if (!z.uuid().safeParse(packageId).success)
			throw new NotFoundError('We could not find that package.');
		[existing] = await db
			.select({ id: scormPackages.id, courseId: scormPackages.courseId })
			.from(scormPackages)
			.where(eq(scormPackages.id, packageId));
		if (!existing) throw new NotFoundError('We could not find that package.');
	}

	let manifest: ParsedManifest;
	const inspected = await inspectZip(upload.path, deps.limits ?? DEFAULT_ZIP_LIMITS).catch(
		(e: unknown) => fail(packageProblem(e) ?? 'The zip file could not be read.')
	);
	const versionId = randomUUID();
	let stored = false;
	try {
		try {
			manifest = parseManifest(inspected.manifestText);
		} catch (e) {
			return fail(packageProblem(e) ?? 'imsmanifest.xml could not be read.');
		}
		const files = new Set(inspected.files.map((f) => f.path));
		const missing = flattenItems(manifest.items)
			.map((f) => f.item.launchFile)
			.filter((f): f is string => f !== null && !files.has(f));
		if (missing.length)
			fail(
				`The manifest launches ${missing.length === 1 ? 'a file' : 'files'} that the zip does not contain: ${[...new Set(missing)].slice(0, 5).join(', ')}.`
			);

		// Extract: every entry streamed into storage under the new version's own prefix, counted
		// against the declared sizes. Nothing refers to the prefix until the transaction below.
		stored = true;
		for (const file of inspected.files) {
			const stream = await openEntry(inspected.zip, file, {
				max: deps.limits?.maxTotalBytes ?? DEFAULT_ZIP_LIMITS.maxTotalBytes
			});
			await deps.storage.put(
				`${versionId}/${file.path}`,
				stream,
				file.size,
				contentTypeFor(file.path)
			);
		}
	} catch (e) {
		inspected.close();
		if (stored) await deps.storage.deletePrefix(versionId).catch(() => {});
		const problem = packageProblem(e);
		if (problem) fail(problem);
		throw e;
	}
	inspected.close();

	const sha256 = await sha256File(upload.path);
	const flat = flattenItems(manifest.items);
	try {
		const result = await db.transaction(async (tx) => {
			let pkgId: string;
			let courseId: string;
			let number = 1;
			let slug: string;
			if (existing) {
				pkgId = existing.id;
				courseId = existing.courseId;
				await tx.execute(sql`select 1 from scorm_packages where id = ${pkgId} for update`);
				const [max] = await tx
					.select({ n: sql<number>`coalesce(max(${scormPackageVersions.number}), 0)::int` })
					.from(scormPackageVersions)
					.where(eq(scormPackageVersions.packageId, pkgId));
				number = (max?.n ?? 0) + 1;
				const [course] = await tx
					.update(courses)
					.set({ version: `v${number}`, updatedAt: new Date() })
					.where(eq(courses.id, courseId))
					.returning({ slug: courses.slug });
				slug = course!.slug;
			} else {
				const f = fields!;
				const title = f.title || manifest.title;
				slug = await uniqueSlug(tx, title);
				const mastery = flat.find((x) => x.item.masteryScore !== null)?.item.masteryScore;
				const [course] = await tx
					.insert(courses)
					.values({
						slug,
						kind: 'scorm',
						title,
						summary: f.summary,
						audiences: f.audiences as Audience[],
						estimatedMinutes: f.estimatedMinutes,
						passMark: Math.round(mastery ?? 0),
						validityMonths: f.validityMonths,
						version: 'v1'
					})
					.returning({ id: courses.id });
				courseId = course!.id;
				const [pkg] = await tx
					.insert(scormPackages)
					.values({ courseId, createdBy: actor.id })
					.returning({ id: scormPackages.id });
				pkgId = pkg!.id;
			}
			await tx.insert(scormPackageVersions).values({
				id: versionId,
				packageId: pkgId,
				number,
				scormVersion: manifest.version,
				manifestIdentifier: manifest.identifier,
				title: manifest.title,
				organizationIdentifier: manifest.organizationIdentifier,
				sequencing: manifest.sequencing,
				warnings: manifest.warnings,
				fileName: upload.name.slice(0, 255),
				zipBytes: upload.size,
				totalBytes: inspected.totalBytes,
				fileCount: inspected.files.length,
				sha256,
				storagePrefix: versionId,
				uploadedBy: actor.id
			});
			const fileRows = inspected.files.map((f) => ({
				versionId,
				path: f.path,
				size: f.size,
				contentType: contentTypeFor(f.path)
			}));
			for (let i = 0; i < fileRows.length; i += 500)
				await tx.insert(scormPackageFiles).values(fileRows.slice(i, i + 500));
			const itemRows = flat.map(({ item, parent, depth, position }) => ({
				versionId,
				identifier: item.identifier,
				parentIdentifier: parent,
				position,
				depth,
				title: item.title.slice(0, 500),
				kind: item.kind,
				isVisible: item.isVisible,
				launchUrl: item.launchUrl,
				masteryScore: item.masteryScore,
				completionThreshold: item.completionThreshold,
				scaledPassingScore: item.scaledPassingScore,
				dataFromLms: item.dataFromLms,
				maxTimeAllowed: item.maxTimeAllowed,
				timeLimitAction: item.timeLimitAction,
				prerequisites: item.prerequisites,
				sequencing: item.sequencing
			}));
			for (let i = 0; i < itemRows.length; i += 500)
				await tx.insert(scormItems).values(itemRows.slice(i, i + 500));
			await tx
				.update(scormPackages)
				.set({ currentVersionId: versionId })
				.where(eq(scormPackages.id, pkgId));
			await recordAudit(tx, {
				actorId: actor.id,
				action: existing ? 'scorm.version.uploaded' : 'scorm.package.uploaded',
				targetType: 'scorm_package',
				targetId: pkgId,
				details: {
					courseId,
					version: number,
					scormVersion: manifest.version,
					files: inspected.files.length,
					bytes: upload.size,
					sha256
				}
			});
			return { packageId: pkgId, versionId, number, courseSlug: slug, warnings: manifest.warnings };
		});
		logger.info('scorm package imported', {
			packageId: result.packageId,
			version: result.number,
			files: inspected.files.length,
			bytes: upload.size
		});
		return result;
	} catch (e) {
		await deps.storage.deletePrefix(versionId).catch(() => {});
		throw e;
	}
}

/** Every package, newest first, with how many learners have started and completed it. */
export async function listPackages(db: Db, actor: AuthUser) {
	assertAdmin(actor);
	const rows = await db
		.select({
			id: scormPackages.id,
			courseId: courses.id,
			slug: courses.slug,
			title: courses.title,
			active: courses.active,
			audiences: courses.audiences,
			createdAt: scormPackages.createdAt,
			versionNumber: scormPackageVersions.number,
			scormVersion: scormPackageVersions.scormVersion,
			uploadedAt: scormPackageVersions.uploadedAt
		})
		.from(scormPackages)
		.innerJoin(courses, eq(courses.id, scormPackages.courseId))
		.leftJoin(scormPackageVersions, eq(scormPackageVersions.id, scormPackages.currentVersionId))
		.orderBy(desc(scormPackages.createdAt));
	const ids = rows.map((r) => r.id);
	const stats = ids.length
		? await db
				.select({
					packageId: scormRegistrations.packageId,
					learners: sql<number>`count(distinct ${scormRegistrations.userId})::int`,
					completed: sql<number>`count(${scormRegistrations.completionId})::int`
				})
				.from(scormRegistrations)
				.where(inArray(scormRegistrations.packageId, ids))
				.groupBy(scormRegistrations.packageId)
		: [];
	return rows.map((r) => {
		const s = stats.find((x) => x.packageId === r.id);
		return {
			...r,
			scormVersionLabel: r.scormVersion ? SCORM_VERSION_LABELS[r.scormVersion] : '',
			learners: s?.learners ?? 0,
			completed: s?.completed ?? 0
		};
	});
}

async function packageRow(db: Db, packageId: string) {
	if (!z.uuid().safeParse(packageId).success)
		throw new NotFoundError('We could not find that package.');
	const [row] = await db
		.select({ pkg: scormPackages, course: courses })
		.from(scormPackages)
		.innerJoin(courses, eq(courses.id, scormPackages.courseId))
		.where(eq(scormPackages.id, packageId));
	if (!row) throw new NotFoundError('We could not find that package.');
	return row;
}

/**
 * A package for its admin page: the course's editable fields, every version, the current
 * version's items, and each learner's registrations with what is stored for each SCO.
 */
export async function packageDetail(db: Db, actor: AuthUser, packageId: string) {
	assertAdmin(actor);
	const { pkg, course } = await packageRow(db, packageId);
	const versions = await db
		.select({
			id: scormPackageVersions.id,
			number: scormPackageVersions.number,
			scormVersion: scormPackageVersions.scormVersion,
			title: scormPackageVersions.title,
			fileName: scormPackageVersions.fileName,
			fileCount: scormPackageVersions.fileCount,
			zipBytes: scormPackageVersions.zipBytes,
			totalBytes: scormPackageVersions.totalBytes,
			warnings: scormPackageVersions.warnings,
			uploadedAt: scormPackageVersions.uploadedAt,
			uploadedBy: users.name
		})
		.from(scormPackageVersions)
		.leftJoin(users, eq(users.id, scormPackageVersions.uploadedBy))
		.where(eq(scormPackageVersions.packageId, pkg.id))
		.orderBy(desc(scormPackageVersions.number));
	const items = pkg.currentVersionId
		? await db
				.select()
				.from(scormItems)
				.where(eq(scormItems.versionId, pkg.currentVersionId))
				.orderBy(asc(scormItems.position))
		: [];
	const perVersion = await db
		.select({ versionId: scormRegistrations.versionId, n: count() })
		.from(scormRegistrations)
		.where(eq(scormRegistrations.packageId, pkg.id))
		.groupBy(scormRegistrations.versionId);
	const registrations = await db
		.select({
			id: scormRegistrations.id,
			number: scormRegistrations.number,
			userId: users.id,
			name: users.name,
			email: users.email,
			organisation: organisations.name,
			versionNumber: scormPackageVersions.number,
			startedAt: scormRegistrations.startedAt,
			lastActivityAt: scormRegistrations.lastActivityAt,
			completedAt: scormRegistrations.completedAt,
			scorePercent: scormRegistrations.scorePercent
		})
		.from(scormRegistrations)
		.innerJoin(users, eq(users.id, scormRegistrations.userId))
		.innerJoin(organisations, eq(organisations.id, users.organisationId))
		.innerJoin(scormPackageVersions, eq(scormPackageVersions.id, scormRegistrations.versionId))
		.where(eq(scormRegistrations.packageId, pkg.id))
		.orderBy(desc(scormRegistrations.lastActivityAt))
		.limit(500);
	return {
		id: pkg.id,
		course: {
			id: course.id,
			slug: course.slug,
			title: course.title,
			summary: course.summary,
			audiences: course.audiences,
			validityMonths: course.validityMonths,
			estimatedMinutes: course.estimatedMinutes,
			active: course.active,
			version: course.version
		},
		currentVersionId: pkg.currentVersionId,
		versions: versions.map((v) => ({
			...v,
			scormVersionLabel: SCORM_VERSION_LABELS[v.scormVersion],
			registrations: perVersion.find((p) => p.versionId === v.id)?.n ?? 0
		})),
		items: items.map((i) => ({
			identifier: i.identifier,
			title: i.title,
			kind: i.kind,
			depth: i.depth,
			launchUrl: i.launchUrl,
			masteryScore: i.masteryScore,
			completionThreshold: i.completionThreshold,
			scaledPassingScore: i.scaledPassingScore
		})),
		registrations
	};
}

/**
 * The support view of one registration: for each SCO what is stored (status as computed and as
 * reported, score, time, location, last commit) and the newest commits, so "I finished it but it
 * says incomplete" can be answered from the data.
 */
export async function registrationSupport(
	db: Db,
	actor: AuthUser,
	packageId: string,
	registrationId: string
) {
	assertAdmin(actor);
	if (!z.uuid().safeParse(registrationId).success || !z.uuid().safeParse(packageId).success)
		throw new NotFoundError('We could not find that learner record.');
	const [reg] = await db
		.select({
			id: scormRegistrations.id,
			number: scormRegistrations.number,
			versionId: scormRegistrations.versionId,
			versionNumber: scormPackageVersions.number,
			scormVersion: scormPackageVersions.scormVersion,
			name: users.name,
			email: users.email,
			startedAt: scormRegistrations.startedAt,
			completedAt: scormRegistrations.completedAt,
			scorePercent: scormRegistrations.scorePercent,
			completionId: scormRegistrations.completionId,
			completionVersion: completions.courseVersion
		})
		.from(scormRegistrations)
		.innerJoin(users, eq(users.id, scormRegistrations.userId))
		.innerJoin(scormPackageVersions, eq(scormPackageVersions.id, scormRegistrations.versionId))
		.leftJoin(completions, eq(completions.id, scormRegistrations.completionId))
		.where(
			and(eq(scormRegistrations.id, registrationId), eq(scormRegistrations.packageId, packageId))
		);
	if (!reg) throw new NotFoundError('We could not find that learner record.');
	const items = await db
		.select()
		.from(scormItems)
		.where(eq(scormItems.versionId, reg.versionId))
		.orderBy(asc(scormItems.position));
	const runtime = await db
		.select()
		.from(scormRuntime)
		.where(eq(scormRuntime.registrationId, reg.id));
	const commits = await db
		.select({
			id: scormCommits.id,
			itemIdentifier: scormCommits.itemIdentifier,
			sequence: scormCommits.sequence,
			receivedAt: scormCommits.receivedAt,
			transport: scormCommits.transport,
			terminate: scormCommits.terminate,
			outcome: scormCommits.outcome,
			reportedStatus: scormCommits.reportedStatus,
			completionStatus: scormCommits.completionStatus,
			successStatus: scormCommits.successStatus,
			scoreRaw: scormCommits.scoreRaw,
			scoreScaled: scormCommits.scoreScaled,
			location: scormCommits.location,
			sessionTime: scormCommits.sessionTime,
			exit: scormCommits.exit,
			bytes: scormCommits.bytes
		})
		.from(scormCommits)
		.where(eq(scormCommits.registrationId, reg.id))
		.orderBy(desc(scormCommits.receivedAt), desc(scormCommits.id))
		.limit(200);
	const launches = await db
		.select({ itemIdentifier: scormLaunches.itemIdentifier, n: count() })
		.from(scormLaunches)
		.where(eq(scormLaunches.registrationId, reg.id))
		.groupBy(scormLaunches.itemIdentifier);
	return {
		registration: { ...reg, scormVersionLabel: SCORM_VERSION_LABELS[reg.scormVersion] },
		items: items
			.filter((i) => i.kind !== 'aggregation')
			.map((i) => {
				const r = runtime.find((x) => x.itemIdentifier === i.identifier);
				const cmi = (r?.cmi ?? {}) as Record<string, unknown>;
				return {
					identifier: i.identifier,
					title: i.title,
					kind: i.kind,
					launches: launches.find((l) => l.itemIdentifier === i.identifier)?.n ?? 0,
					completionStatus: r?.completionStatus ?? 'not attempted',
					successStatus: r?.successStatus ?? 'unknown',
					reportedStatus: r?.reportedStatus ?? null,
					scoreRaw: r?.scoreRaw ?? null,
					scoreMax: r?.scoreMax ?? null,
					scoreScaled: r?.scoreScaled ?? null,
					totalSeconds: r?.totalSeconds ?? 0,
					location: r?.location ?? null,
					exit: r?.exit ?? null,
					suspendDataLength: typeof cmi.suspend_data === 'string' ? cmi.suspend_data.length : 0,
					lastCommitAt: r?.lastCommitAt ?? null,
					satisfiedAt: r?.satisfiedAt ?? null,
					masteryScore: i.masteryScore,
					scaledPassingScore: i.scaledPassingScore,
					completionThreshold: i.completionThreshold
				};
			}),
		commits
	};
}

/** Saves the course's title, summary, audiences, validity and time; audited. */
export async function updatePackageCourse(
	db: Db,
	actor: AuthUser,
	packageId: string,
	raw: Record<string, unknown>
) {
	assertAdmin(actor);
	const { course } = await packageRow(db, packageId);
	const input = parseInput(
		courseFields.extend({
			title: z
				.string()
				.trim()
				.min(1, 'Enter a title')
				.max(200, 'Enter a title of 200 characters or fewer'),
			active: z.string().optional()
		}),
		raw
	);
	await db.transaction(async (tx) => {
		await tx
			.update(courses)
			.set({
				title: input.title,
				summary: input.summary,
				audiences: input.audiences as Audience[],
				validityMonths: input.validityMonths,
				estimatedMinutes: input.estimatedMinutes,
				active: input.active === 'yes',
				updatedAt: new Date()
			})
			.where(eq(courses.id, course.id));
		await recordAudit(tx, {
			actorId: actor.id,
			action: 'scorm.course.updated',
			targetType: 'course',
			targetId: course.id,
			details: {
				before: {
					title: course.title,
					audiences: course.audiences,
					validityMonths: course.validityMonths,
					active: course.active
				},
				after: {
					title: input.title,
					audiences: input.audiences,
					validityMonths: input.validityMonths,
					active: input.active === 'yes'
				}
			}
		});
		// Validity and availability decide obligations' expiry and existence.
		if (
			course.validityMonths !== input.validityMonths ||
			course.active !== (input.active === 'yes')
		)
			await refreshObligations(tx, { courseId: course.id });
	});
}
