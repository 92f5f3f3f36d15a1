import { createHmac } from 'node:crypto';
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import { completions, courseProgress, courses } from '../db/schema.ts';
import {
	scormItems,
	scormLaunches,
	scormPackageVersions,
	scormPackages,
	scormRegistrations,
	scormRuntime
} from '../db/schema-scorm.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { bytesEqual, hashToken, randomToken } from '../auth/tokens.ts';
import { runCompletionHooks } from '../courses/completion.ts';
import { markStarted } from '../tracking/queries.ts';
import { preparedPerDb, preparedSqlShapes } from '../db/prepared.ts';
import { logger } from '../logger.ts';
import { SCORM_VERSION_LABELS, type ScormVersion } from './manifest.ts';
import { evaluateItem, scorePercentOf, type Evaluation } from './rules.ts';
import { buildLaunchCmi } from './cmi.ts';
import { restoredTree, storableText, storableTree } from './cmi-text.ts';
import { Sequencer, type SeqItem, type SeqState } from './sequencing.ts';
import { contentBase, contentKey } from './content-url.ts';

/** Commits of one launch number from base+1 up to base+SEQUENCE_SPAN-1; a later launch's base is higher. */
export const SEQUENCE_SPAN = 1_000_000;

type ItemRow = typeof scormItems.$inferSelect;
type RuntimeRow = typeof scormRuntime.$inferSelect;
type Tree = Record<string, unknown>;

const notFound = () => new NotFoundError('We could not find that course.');

/** A SCORM course the learner may take: active, of kind scorm, open to their audience. */
async function openScormCourse(db: Db, learner: AuthUser, slug: string) {
	const [row] = await db
		.select({ course: courses, pkg: scormPackages })
		.from(courses)
		.innerJoin(scormPackages, eq(scormPackages.courseId, courses.id))
		.where(and(eq(courses.slug, slug), eq(courses.kind, 'scorm'), eq(courses.active, true)));
	if (!row || !row.course.audiences.includes(learner.audience) || !row.pkg.currentVersionId)
		throw notFound();
	return row;
}

async function latestRegistration(db: Db, userId: string, packageId: string) {
	const [reg] = await db
		.select()
		.from(scormRegistrations)
		.where(and(eq(scormRegistrations.userId, userId), eq(scormRegistrations.packageId, packageId)))
		.orderBy(desc(scormRegistrations.number))
		.limit(1);
	return reg ?? null;
}

async function versionOf(db: Db, versionId: string) {
	const [v] = await db
		.select()
		.from(scormPackageVersions)
		.where(eq(scormPackageVersions.id, versionId));
	if (!v) throw notFound();
	return v;
}

async function itemsOf(db: Db, versionId: string): Promise<ItemRow[]> {
	return db
		.select()
		.from(scormItems)
		.where(eq(scormItems.versionId, versionId))
		.orderBy(asc(scormItems.position));
}

function seqItems(items: ItemRow[]): SeqItem[] {
	return items.map((i) => ({
		identifier: i.identifier,
		parentIdentifier: i.parentIdentifier,
		kind: i.kind,
		isVisible: i.isVisible,
		title: i.title,
		launchable: i.kind !== 'aggregation' && Boolean(i.launchUrl),
		sequencing: i.sequencing,
		prerequisites: i.prerequisites
	}));
}

function stateOf(r: RuntimeRow): SeqState {
	const objectives: SeqState['objectives'] = {};
	const cmi = restoredTree((r.cmi ?? {}) as Tree);
	const list =
		cmi.objectives && typeof cmi.objectives === 'object'
			? (cmi.objectives as Record<string, Tree>)
			: {};
	for (const o of Object.values(list)) {
		if (!o || typeof o !== 'object' || typeof o.id !== 'string') continue;
		const success =
			o.success_status === 'passed' || o.status === 'passed'
				? 'passed'
				: o.success_status === 'failed' || o.status === 'failed'
					? 'failed'
					: 'unknown';
		const cs =
			typeof o.completion_status === 'string'
				? o.completion_status
				: o.status === 'completed' || o.status === 'passed'
					? 'completed'
					: 'unknown';
		const scaled = o.score && typeof o.score === 'object' ? Number((o.score as Tree).scaled) : NaN;
		objectives[o.id] = {
			success,
			completion:
				(['completed', 'incomplete', 'not attempted'] as const).find((x) => x === cs) ?? 'unknown',
			scaled: Number.isFinite(scaled) ? scaled : null
		};
	}
	return {
		attempted: r.launchCount > 0,
		completion:
			r.satisfiedAt && r.completionStatus !== 'completed' ? 'completed' : r.completionStatus,
		success: r.successStatus,
		scoreScaled: r.scoreScaled,
		satisfied: Boolean(r.satisfiedAt),
		objectives
	};
}

async function sequencerFor(
	db: Db,
	version: ScormVersion,
	versionSequencing: typeof scormPackageVersions.$inferSelect.sequencing,
	items: ItemRow[],
	registrationId: string | null
) {
	const runtime = registrationId
		? await db.select().from(scormRuntime).where(eq(scormRuntime.registrationId, registrationId))
		: [];
	const states = new Map(runtime.map((r) => [r.itemIdentifier, stateOf(r)]));
	return { sequencer: new Sequencer(version, seqItems(items), versionSequencing, states), runtime };
}

export type ItemProgress = 'not-started' | 'in-progress' | 'done' | 'failed';

function progressOf(r: RuntimeRow | undefined): ItemProgress {
	if (!r || r.launchCount === 0) return 'not-started';
	if (r.satisfiedAt) return 'done';
	if (r.successStatus === 'failed') return 'failed';
	return 'in-progress';
}

/**
 * The course page and the player's table of contents: the learner's registration (if any), every
 * item with its progress and whether sequencing lets it be chosen, and where to start or resume.
 */
export async function scormOverview(db: Db, learner: AuthUser, slug: string) {
	const { course, pkg } = await openScormCourse(db, learner, slug);
	const reg = await latestRegistration(db, learner.id, pkg.id);
	const version = await versionOf(db, reg?.versionId ?? pkg.currentVersionId!);
	const items = await itemsOf(db, version.id);
	const { sequencer, runtime } = await sequencerFor(
		db,
		version.scormVersion,
		version.sequencing,
		items,
		reg?.id ?? null
	);
	const [latestCompletion] = await db
		.select({
			completedAt: completions.completedAt,
			scorePercent: completions.scorePercent,
			version: completions.courseVersion
		})
		.from(completions)
		.where(
			and(
				eq(completions.userId, learner.id),
				eq(completions.courseId, course.id),
				isNull(completions.voidedAt)
			)
		)
		.orderBy(desc(completions.completedAt))
		.limit(1);
	const toc = items.map((i) => {
		const r = runtime.find((x) => x.itemIdentifier === i.identifier);
		const launchable = i.kind !== 'aggregation' && Boolean(i.launchUrl);
		const a = launchable ? sequencer.availability(i.identifier) : null;
		return {
			identifier: i.identifier,
			parent: i.parentIdentifier,
			title: i.title,
			depth: i.depth,
			kind: i.kind,
			launchable,
			listed: i.kind === 'aggregation' ? i.isVisible : (a?.listed ?? false),
			choosable: a?.choosable ?? false,
			enabled: a?.enabled ?? false,
			reason: a?.reason ?? null,
			progress: launchable ? progressOf(r) : null,
			next: launchable ? (sequencer.flow(i.identifier, 'next')?.identifier ?? null) : null,
			previous: launchable ? (sequencer.flow(i.identifier, 'previous')?.identifier ?? null) : null
		};
	});
	const leaves = toc.filter((t) => t.launchable);
	const resume = await resumeItem(db, reg?.id ?? null, runtime);
	const start = sequencer.start();
	const firstOpen = leaves.find((l) => l.enabled && l.progress !== 'done');
	return {
		course: {
			id: course.id,
			slug: course.slug,
			title: course.title,
			summary: course.summary,
			estimatedMinutes: course.estimatedMinutes,
			validityMonths: course.validityMonths
		},
		scormVersion: version.scormVersion,
		scormVersionLabel: SCORM_VERSION_LABELS[version.scormVersion],
		registration: reg
			? {
					id: reg.id,
					number: reg.number,
					versionNumber: version.number,
					onOlderVersion: reg.versionId !== pkg.currentVersionId,
					startedAt: reg.startedAt,
					completedAt: reg.completedAt,
					scorePercent: reg.scorePercent
				}
			: null,
		toc,
		done: leaves.filter((l) => l.progress === 'done').length,
		total: leaves.length,
		resumeItem:
			reg && resume && leaves.some((l) => l.identifier === resume && l.enabled) ? resume : null,
		startItem: firstOpen?.identifier ?? start?.identifier ?? leaves[0]?.identifier ?? null,
		completion: latestCompletion ?? null
	};
}

/** The item of the newest launch, when it was left unfinished (suspended or closed without finishing). */
async function resumeItem(
	db: Db,
	registrationId: string | null,
	runtime: RuntimeRow[]
): Promise<string | null> {
	if (!registrationId) return null;
	const [last] = await db
		.select({ item: scormLaunches.itemIdentifier })
		.from(scormLaunches)
		.where(eq(scormLaunches.registrationId, registrationId))
		.orderBy(desc(scormLaunches.createdAt))
		.limit(1);
	if (!last) return null;
	const r = runtime.find((x) => x.itemIdentifier === last.item);
	return r && !r.satisfiedAt ? last.item : null;
}

/** Starts a new registration on the current version, after a completed one (e.g. to renew). */
export async function startAgain(db: Db, learner: AuthUser, slug: string, now = new Date()) {
	const { course, pkg } = await openScormCourse(db, learner, slug);
	await db.transaction(async (tx) => {
		await tx.execute(
			sql`select pg_advisory_xact_lock(hashtext(${learner.id}), hashtext(${pkg.id}))`
		);
		const reg = await latestRegistration(tx, learner.id, pkg.id);
		if (reg && !reg.completedAt)
			throw new ConflictError('You have already started this course; carry on where you left off.');
		await tx.insert(scormRegistrations).values({
			userId: learner.id,
			courseId: course.id,
			packageId: pkg.id,
			versionId: pkg.currentVersionId!,
			number: (reg?.number ?? 0) + 1,
			startedAt: now,
			lastActivityAt: now
		});
	});
}

export const launchRequest = z.object({
	slug: z.string().min(1).max(100),
	item: z.string().min(1).max(400).optional(),
	/** how the learner got here: sequencing decides whether that is allowed */
	via: z.enum(['start', 'choice', 'next', 'previous', 'jump']).default('start'),
	from: z.string().max(400).optional()
});
export type LaunchRequest = z.input<typeof launchRequest>;

export interface LaunchInfo {
	launchId: string;
	token: string;
	sequenceBase: number;
	scormVersion: ScormVersion;
	kind: 'sco' | 'asset';
	entry: 'ab-initio' | 'resume';
	cmi: Tree | null;
	contentUrl: string;
	item: { identifier: string; title: string };
	courseCompleted: boolean;
}

/** A per-package pseudonym for the learner, so content never sees the platform's ids. */
function learnerPseudonym(key: Buffer, userId: string, packageId: string): string {
	return createHmac('sha256', key)
		.update(`learner:${userId}:${packageId}`)
		.digest('base64url')
		.slice(0, 22);
}

/**
 * Launches one SCO or asset: checks sequencing allows it, decides `entry` (resume when the last
 * session was suspended or never finished), creates the launch with a fresh commit token (only its
 * hash is kept) and a sequence base above every earlier launch, and returns the CMI to load before
 * Initialize. Launching an asset completes it.
 */
export async function launchItem(
	db: Db,
	learner: AuthUser,
	raw: unknown,
	deps: { contentOrigin: string },
	now = new Date()
): Promise<LaunchInfo> {
	const parsed = launchRequest.safeParse(raw);
	if (!parsed.success)
		throw new ValidationError(
			{ form: 'The launch request was not understood.' },
			'The launch request was not understood.'
		);
	const req = parsed.data;
	const { course, pkg } = await openScormCourse(db, learner, req.slug);
	const key = await contentKey(db);
	return db.transaction(async (tx) => {
		await tx.execute(
			sql`select pg_advisory_xact_lock(hashtext(${learner.id}), hashtext(${pkg.id}))`
		);
		let reg = await latestRegistration(tx, learner.id, pkg.id);
		if (!reg) {
			const [created] = await tx
				.insert(scormRegistrations)
				.values({
					userId: learner.id,
					courseId: course.id,
					packageId: pkg.id,
					versionId: pkg.currentVersionId!,
					number: 1,
					startedAt: now,
					lastActivityAt: now
				})
				.returning();
			reg = created!;
		}
		const registration = reg;
		const version = await versionOf(tx, registration.versionId);
		const items = await itemsOf(tx, version.id);
		const { sequencer, runtime } = await sequencerFor(
			tx,
			version.scormVersion,
			version.sequencing,
			items,
			registration.id
		);
		// "start" goes where sequencing says (resume or the first part not done); an item is only
		// honoured when chosen (choice rules apply) or jumped to by the SCO (disabled still refuses).
		let target: string | undefined = req.via === 'start' ? undefined : req.item;
		if ((req.via === 'choice' || req.via === 'jump') && !target)
			throw new ValidationError({ form: 'Say which part to open.' }, 'Say which part to open.');
		if (req.via === 'next' || req.via === 'previous') {
			const next = req.from ? sequencer.flow(req.from, req.via) : null;
			if (!next || (target && target !== next.identifier))
				throw new ConflictError('There is nothing to go to in that direction.');
			target = next.identifier;
		} else if (!target) {
			target =
				(await resumeItem(tx, registration.id, runtime)) ??
				sequencer.leaves.find(
					(l) =>
						sequencer.availability(l.identifier).enabled &&
						!runtime.find((r) => r.itemIdentifier === l.identifier)?.satisfiedAt
				)?.identifier ??
				sequencer.start()?.identifier;
		}
		const item = items.find((i) => i.identifier === target);
		if (!item || item.kind === 'aggregation' || !item.launchUrl)
			throw new NotFoundError('We could not find that part of the course.');
		const availability = sequencer.availability(item.identifier);
		if (!availability.enabled)
			throw new ConflictError(availability.reason ?? 'That part is not available yet.');
		if (req.via === 'choice' && !availability.choosable)
			throw new ConflictError(
				'That part cannot be chosen from the contents; use Next and Previous.'
			);

		await tx
			.insert(scormRuntime)
			.values({ registrationId: registration.id, itemIdentifier: item.identifier })
			.onConflictDoNothing();
		const [rt] = await tx
			.select()
			.from(scormRuntime)
			.where(
				and(
					eq(scormRuntime.registrationId, registration.id),
					eq(scormRuntime.itemIdentifier, item.identifier)
				)
			)
			.for('update');
		const [lastLaunch] = await tx
			.select()
			.from(scormLaunches)
			.where(
				and(
					eq(scormLaunches.registrationId, registration.id),
					eq(scormLaunches.itemIdentifier, item.identifier)
				)
			)
			.orderBy(desc(scormLaunches.createdAt))
			.limit(1);
		const exit = (rt!.exit ?? '').trim();
		const suspended = exit === 'suspend' || (version.scormVersion === '1.2' && exit === 'logout');
		const entry: 'ab-initio' | 'resume' =
			rt!.lastSequence > 0 && (suspended || (lastLaunch && !lastLaunch.terminatedAt))
				? 'resume'
				: 'ab-initio';
		const launchNumber = rt!.launchCount + 1;
		const token = randomToken(20);
		const [launch] = await tx
			.insert(scormLaunches)
			.values({
				registrationId: registration.id,
				itemIdentifier: item.identifier,
				tokenHash: hashToken(token),
				sequenceBase: launchNumber * SEQUENCE_SPAN,
				entry,
				createdAt: now
			})
			.returning({ id: scormLaunches.id });
		const asset = item.kind === 'asset';
		await tx
			.update(scormRuntime)
			.set({
				launchCount: launchNumber,
				firstLaunchedAt: rt!.firstLaunchedAt ?? now,
				// An asset never talks to the API: launching it is completing it.
				...(asset
					? {
							completionStatus: 'completed' as const,
							satisfiedAt: rt!.satisfiedAt ?? now,
							lastCommitAt: now
						}
					: {})
			})
			.where(
				and(
					eq(scormRuntime.registrationId, registration.id),
					eq(scormRuntime.itemIdentifier, item.identifier)
				)
			);
		await tx
			.update(scormRegistrations)
			.set({ lastActivityAt: now })
			.where(eq(scormRegistrations.id, registration.id));
		await tx
			.insert(courseProgress)
			.values({ userId: learner.id, courseId: course.id, startedAt: now, lastActivityAt: now })
			.onConflictDoUpdate({
				target: [courseProgress.userId, courseProgress.courseId],
				set: { lastActivityAt: now }
			});
		await markStarted(tx, learner.id, course.id);
		const completed = asset
			? await maybeCompleteRegistration(tx, registration.id, now)
			: Boolean(registration.completionId);
		const cmi = asset
			? null
			: buildLaunchCmi(
					version.scormVersion,
					item,
					{ id: learnerPseudonym(key, learner.id, pkg.id), name: learner.name },
					restoredTree(rt!.cmi),
					entry,
					rt!.totalSeconds
				);
		return {
			launchId: launch!.id,
			token,
			sequenceBase: launchNumber * SEQUENCE_SPAN,
			scormVersion: version.scormVersion,
			kind: asset ? 'asset' : 'sco',
			entry,
			cmi,
			contentUrl: `${deps.contentOrigin}${contentBase(key, version.id, now)}${item.launchUrl}`,
			item: { identifier: item.identifier, title: item.title },
			courseCompleted: completed || Boolean(registration.completionId)
		};
	});
}

/**
 * One query for a commit's launch, its registration, the item's rules, the SCORM version and the
 * SCO's runtime row, prepared once per database. It takes no lock: the write applies the commit only
 * if its sequence number is still newer than the stored one, which PostgreSQL re-checks on the
 * locked row.
 */
const launchForCommit = preparedPerDb((db) =>
	db
		.select({
			launch: scormLaunches,
			userId: scormRegistrations.userId,
			completionId: scormRegistrations.completionId,
			lastActivityAt: scormRegistrations.lastActivityAt,
			scormVersion: scormPackageVersions.scormVersion,
			item: {
				kind: scormItems.kind,
				masteryScore: scormItems.masteryScore,
				completionThreshold: scormItems.completionThreshold,
				scaledPassingScore: scormItems.scaledPassingScore
			},
			rt: { satisfiedAt: scormRuntime.satisfiedAt }
		})
		.from(scormLaunches)
		.innerJoin(scormRegistrations, eq(scormRegistrations.id, scormLaunches.registrationId))
		.innerJoin(scormPackageVersions, eq(scormPackageVersions.id, scormRegistrations.versionId))
		.innerJoin(
			scormItems,
			and(
				eq(scormItems.versionId, scormRegistrations.versionId),
				eq(scormItems.identifier, scormLaunches.itemIdentifier)
			)
		)
		.innerJoin(
			scormRuntime,
			and(
				eq(scormRuntime.registrationId, scormLaunches.registrationId),
				eq(scormRuntime.itemIdentifier, scormLaunches.itemIdentifier)
			)
		)
		.where(eq(scormLaunches.id, sql.placeholder('launchId')))
		.prepare('scorm_launch_for_commit')
);

export const commitPayload = z.object({
	launchId: z.uuid(),
	token: z.string().min(16).max(100),
	seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
	cmi: z.record(z.string(), z.unknown()),
	terminate: z.boolean().optional().default(false)
});
export type CommitPayload = z.input<typeof commitPayload>;

export interface CommitResult {
	applied: boolean;
	/** the same launch and sequence number was already stored */
	duplicate: boolean;
	/** a newer commit was already stored; this one was kept in the history only */
	stale: boolean;
	completion: Evaluation['completion'] | null;
	success: Evaluation['success'] | null;
	courseCompleted: boolean;
}

/**
 * Stores one commit from a learner's player. It must come for the learner's own launch with that
 * launch's token; it is applied only if its sequence number is newer than what is stored (a replay
 * changes nothing, an older one is recorded as stale); completion and success are worked out here
 * from the data; total time is the sum of each session's time. Completing the last part writes the
 * course completion, once, in the same transaction.
 */
export async function commitRuntime(
	db: Db,
	learner: AuthUser,
	raw: unknown,
	transport: 'fetch' | 'beacon',
	bytes: number,
	now = new Date()
): Promise<CommitResult> {
	const parsed = commitPayload.safeParse(raw);
	if (!parsed.success)
		throw new ValidationError(
			{ form: 'The commit was not understood.' },
			'The commit was not understood.'
		);
	const p = parsed.data;
	const [launch] = await launchForCommit(db).execute({ launchId: p.launchId });
	if (!launch) throw new NotFoundError('We could not find that launch.');
	if (launch.userId !== learner.id)
		throw new ForbiddenError('That attempt belongs to someone else.');
	if (
		!bytesEqual(
			new TextEncoder().encode(hashToken(p.token)),
			new TextEncoder().encode(launch.launch.tokenHash)
		)
	)
		throw new ForbiddenError('The commit token is not valid for this launch.');
	const { launch: l } = launch;
	if (p.seq <= l.sequenceBase || p.seq >= l.sequenceBase + SEQUENCE_SPAN)
		throw new ValidationError({ form: 'The sequence number does not belong to this launch.' });
	// The rules read the data as sent; what is stored is the lossless, storable form of it.
	const cmi = p.cmi as Tree;
	const evaluated = evaluateItem(launch.scormVersion, launch.item, cmi, p.terminate);
	const text = <T extends string | null | undefined>(v: T): T =>
		typeof v === 'string' ? (storableText(v) as T) : v;
	const e = {
		...evaluated,
		reported: text(evaluated.reported),
		location: text(evaluated.location),
		sessionTime: text(evaluated.sessionTime),
		exit: text(evaluated.exit)
	};
	// The SCO's own exit decides resume; a 1.2 SCO that never set a status is recorded completed on finishing.
	const storedCmi =
		launch.scormVersion === '1.2' &&
		p.terminate &&
		e.reported === 'not attempted' &&
		e.completion === 'completed'
			? withStatus12(cmi, 'completed')
			: cmi;
	const shape: CommitWriteShape = {
		terminate: p.terminate,
		touchRegistration: p.terminate || now.getTime() - launch.lastActivityAt.getTime() > 60_000
	};
	const { completion, success, reported, scoreRaw, scoreMin, scoreMax, scoreScaled } = e;
	const values: CommitWriteValues = {
		launchId: l.id,
		registrationId: l.registrationId,
		itemIdentifier: l.itemIdentifier,
		seq: p.seq,
		now: now.toISOString(),
		transport,
		terminate: p.terminate,
		bytes,
		cmi: JSON.stringify(storableTree(storedCmi)),
		sessionSeconds: e.sessionSeconds ?? l.sessionSeconds ?? null,
		completion,
		success,
		reported,
		scoreRaw,
		scoreMin,
		scoreMax,
		scoreScaled,
		location: e.location?.slice(0, 4000) ?? null,
		historyLocation: e.location?.slice(0, 1000) ?? null,
		sessionTime: e.sessionTime?.slice(0, 50) ?? null,
		exit: e.exit?.slice(0, 20) ?? null,
		satisfiedAt: e.satisfied ? now.toISOString() : null
	};
	const outcome = (rows: { applied: boolean; recorded: boolean; newly_satisfied: boolean }[]) => {
		const [r] = rows;
		return {
			applied: Boolean(r?.applied),
			recorded: Boolean(r?.recorded),
			newlySatisfied: Boolean(r?.newly_satisfied)
		};
	};
	let result: ReturnType<typeof outcome>;
	let courseCompleted = Boolean(launch.completionId);
	if (e.satisfied && !launch.rt.satisfiedAt) {
		// This commit may finish the SCO: its write and the course completion are one transaction.
		result = await db.transaction(async (tx) => {
			const written = outcome(await commitWrite(tx, shape, values));
			if (written.newlySatisfied)
				courseCompleted = await maybeCompleteRegistration(tx, l.registrationId, now);
			return written;
		});
	} else {
		// Otherwise the commit is one statement: one round trip, one durable transaction.
		result = outcome(await commitWrite(db, shape, values));
	}
	return {
		applied: result.applied,
		duplicate: !result.applied && !result.recorded,
		stale: !result.applied && result.recorded,
		completion: result.applied ? e.completion : null,
		success: result.applied ? e.success : null,
		courseCompleted
	};
}

/**
 * One commit's writes as one statement: the runtime row is updated only if the commit's sequence
 * number is newer than the stored one (a replay or an older commit changes nothing there); the
 * launch, and the registration's last activity when asked, only when it was; the commit joins the
 * history as applied or stale, unless that launch and sequence number are already recorded (a
 * replay). Total time is every session's time: the other launches' stored times and this one's.
 */
type CommitWriteShape = { terminate: boolean; touchRegistration: boolean };
/** The write's values: the evaluation's statuses and scores as they are, the texts cut to size. */
type CommitWriteValues = Pick<
	Evaluation,
	'completion' | 'success' | 'reported' | 'scoreRaw' | 'scoreMin' | 'scoreMax' | 'scoreScaled'
> & {
	launchId: string;
	registrationId: string;
	itemIdentifier: string;
	seq: number;
	now: string;
	transport: 'fetch' | 'beacon';
	terminate: boolean;
	bytes: number;
	cmi: string;
	sessionSeconds: number | null;
	location: string | null;
	historyLocation: string | null;
	sessionTime: string | null;
	exit: string | null;
	satisfiedAt: string | null;
};

/** The write's text, built and prepared once per shape (it has about 50 parameters). */
const commitWrite = preparedSqlShapes<
	CommitWriteShape,
	{ applied: boolean; recorded: boolean; newly_satisfied: boolean },
	CommitWriteValues
>('scorm_commit_write', (shape) => {
	const v = (name: keyof CommitWriteValues & string) => sql.placeholder(name);
	const now = sql`${v('now')}::timestamptz`;
	const reg = sql`${v('registrationId')}::uuid`;
	const launch = sql`${v('launchId')}::uuid`;
	return sql`
		with applied as (
			update scorm_runtime rt set
				cmi = ${v('cmi')}::jsonb, last_sequence = ${v('seq')}::bigint,
				completion_status = ${v('completion')}::text, success_status = ${v('success')}::text, reported_status = ${v('reported')}::text,
				score_raw = ${v('scoreRaw')}::float8, score_min = ${v('scoreMin')}::float8,
				score_max = ${v('scoreMax')}::float8, score_scaled = ${v('scoreScaled')}::float8,
				location = ${v('location')}::text, exit = ${v('exit')}::text,
				total_seconds = coalesce((select sum(l.session_seconds) from scorm_launches l
					where l.registration_id = ${reg} and l.item_identifier = ${v('itemIdentifier')}::text and l.id <> ${launch}), 0)
					+ coalesce(${v('sessionSeconds')}::float8, 0),
				last_commit_at = ${now},
				satisfied_at = coalesce(rt.satisfied_at, ${v('satisfiedAt')}::timestamptz)
			where rt.registration_id = ${reg} and rt.item_identifier = ${v('itemIdentifier')}::text and rt.last_sequence < ${v('seq')}::bigint
			returning rt.satisfied_at = ${now} as newly_satisfied
		),
		launch_row as (
			update scorm_launches set last_commit_at = ${now}, session_seconds = ${v('sessionSeconds')}::float8
				${shape.terminate ? sql`, terminated_at = ${now}` : sql``}
			where id = ${launch} and exists (select 1 from applied) returning 1
		),
		${
			shape.touchRegistration
				? sql`registration_row as (
			update scorm_registrations set last_activity_at = ${now} where id = ${reg} and exists (select 1 from applied) returning 1
		),`
				: sql``
		}
		history as (
			insert into scorm_commits (launch_id, registration_id, item_identifier, sequence, received_at, transport,
				terminate, outcome, reported_status, completion_status, success_status, score_raw, score_scaled,
				location, session_time, exit, bytes)
			select ${launch}, ${reg}, ${v('itemIdentifier')}::text, ${v('seq')}::bigint, ${now}, ${v('transport')}::text, ${v('terminate')}::boolean,
				case when exists (select 1 from applied) then 'applied' else 'stale' end,
				${v('reported')}::text, ${v('completion')}::text, ${v('success')}::text, ${v('scoreRaw')}::float8,
				${v('scoreScaled')}::float8, ${v('historyLocation')}::text,
				${v('sessionTime')}::text, ${v('exit')}::text, ${v('bytes')}::int
			on conflict (launch_id, sequence) do nothing
			returning 1
		)
		select exists (select 1 from applied) as applied, exists (select 1 from history) as recorded,
			coalesce((select bool_or(newly_satisfied) from applied), false) as newly_satisfied`;
});

function withStatus12(cmi: Tree, status: string): Tree {
	const root = 'cmi' in cmi ? (cmi.cmi as Tree) : cmi;
	const core = { ...((root.core as Tree | undefined) ?? {}), lesson_status: status };
	const updated = { ...root, core };
	return 'cmi' in cmi ? { ...cmi, cmi: updated } : updated;
}

/**
 * When every SCO and asset of the registration's version is done, writes the course completion
 * (source 'scorm', on the version the learner used) and runs the completion hooks, in the caller's
 * transaction. The registration row is locked and its completion written once.
 */
async function maybeCompleteRegistration(
	tx: Db,
	registrationId: string,
	now: Date
): Promise<boolean> {
	const [reg] = await tx
		.select()
		.from(scormRegistrations)
		.where(eq(scormRegistrations.id, registrationId))
		.for('update');
	if (!reg) return false;
	if (reg.completionId) return true;
	const items = (await itemsOf(tx, reg.versionId)).filter(
		(i) => i.kind !== 'aggregation' && i.launchUrl
	);
	const runtime = await tx
		.select()
		.from(scormRuntime)
		.where(eq(scormRuntime.registrationId, reg.id));
	const done = items.every(
		(i) => runtime.find((r) => r.itemIdentifier === i.identifier)?.satisfiedAt
	);
	if (!done || !items.length) return false;
	const scores = items
		.filter((i) => i.kind === 'sco')
		.map((i) => runtime.find((r) => r.itemIdentifier === i.identifier)!)
		.map((r) =>
			scorePercentOf({
				scoreRaw: r.scoreRaw,
				scoreMin: r.scoreMin,
				scoreMax: r.scoreMax,
				scoreScaled: r.scoreScaled
			})
		)
		.filter((s): s is number => s !== null);
	const scorePercent = scores.length
		? Math.round(scores.reduce((a, b) => a + b, 0) / scores.length)
		: null;
	const version = await versionOf(tx, reg.versionId);
	const [completion] = await tx
		.insert(completions)
		.values({
			userId: reg.userId,
			courseId: reg.courseId,
			courseVersion: `v${version.number}`,
			completedAt: now,
			source: 'scorm',
			scorePercent
		})
		.returning();
	const [updated] = await tx
		.update(scormRegistrations)
		.set({ completionId: completion!.id, completedAt: now, scorePercent })
		.where(and(eq(scormRegistrations.id, reg.id), isNull(scormRegistrations.completionId)))
		.returning({ id: scormRegistrations.id });
	if (!updated) throw new ConflictError('This course was completed at the same moment elsewhere.');
	await runCompletionHooks(tx, completion!);
	logger.info('scorm course completed', {
		registrationId: reg.id,
		courseId: reg.courseId,
		version: version.number
	});
	return true;
}
