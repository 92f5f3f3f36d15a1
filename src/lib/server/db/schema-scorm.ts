import {
	bigint,
	bigserial,
	boolean,
	doublePrecision,
	index,
	integer,
	jsonb,
	pgTable,
	primaryKey,
	text,
	timestamp,
	uniqueIndex,
	uuid
} from 'drizzle-orm/pg-core';
import { completions, courses, users } from './schema.ts';
import type { ItemKind, ItemSequencing, ParsedManifest, ScormVersion } from '../scorm/manifest.ts';

/**
 * SCORM packages and what learners do in them. A package is a course (kind 'scorm'); each upload
 * is a version, kept for ever with its files, so every learner's records stay attached to the
 * version they used. Runtime data lives per registration (one run through the course) and SCO.
 */
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const scormPackages = pgTable('scorm_packages', {
	id: uuid('id').primaryKey().defaultRandom(),
	courseId: uuid('course_id')
		.notNull()
		.references(() => courses.id)
		.unique(),
	/** the version new registrations start on */
	currentVersionId: uuid('current_version_id'),
	createdBy: uuid('created_by').references(() => users.id),
	createdAt: createdAt()
});

export const scormPackageVersions = pgTable(
	'scorm_package_versions',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		packageId: uuid('package_id')
			.notNull()
			.references(() => scormPackages.id),
		/** 1, 2, 3 … per package */
		number: integer('number').notNull(),
		scormVersion: text('scorm_version').$type<ScormVersion>().notNull(),
		manifestIdentifier: text('manifest_identifier').notNull(),
		title: text('title').notNull(),
		organizationIdentifier: text('organization_identifier').notNull(),
		/** the default organisation's own sequencing (control mode) */
		sequencing: jsonb('sequencing').$type<ParsedManifest['sequencing']>(),
		warnings: jsonb('warnings').$type<string[]>().notNull().default([]),
		fileName: text('file_name').notNull(),
		zipBytes: bigint('zip_bytes', { mode: 'number' }).notNull(),
		totalBytes: bigint('total_bytes', { mode: 'number' }).notNull(),
		fileCount: integer('file_count').notNull(),
		sha256: text('sha256').notNull(),
		/** where its files are in storage: `<prefix>/<path>` */
		storagePrefix: text('storage_prefix').notNull(),
		uploadedBy: uuid('uploaded_by').references(() => users.id),
		uploadedAt: timestamp('uploaded_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('scorm_versions_package_number_uq').on(t.packageId, t.number)]
);

/** Every file of a version: the content server serves only what is listed here. */
export const scormPackageFiles = pgTable(
	'scorm_package_files',
	{
		versionId: uuid('version_id')
			.notNull()
			.references(() => scormPackageVersions.id),
		path: text('path').notNull(),
		size: bigint('size', { mode: 'number' }).notNull(),
		contentType: text('content_type').notNull()
	},
	(t) => [primaryKey({ columns: [t.versionId, t.path] })]
);

/** The default organisation's items, in document order: headings, SCOs and assets. */
export const scormItems = pgTable(
	'scorm_items',
	{
		versionId: uuid('version_id')
			.notNull()
			.references(() => scormPackageVersions.id),
		identifier: text('identifier').notNull(),
		parentIdentifier: text('parent_identifier'),
		position: integer('position').notNull(),
		depth: integer('depth').notNull(),
		title: text('title').notNull(),
		kind: text('kind').$type<ItemKind>().notNull(),
		isVisible: boolean('is_visible').notNull().default(true),
		launchUrl: text('launch_url'),
		masteryScore: doublePrecision('mastery_score'),
		completionThreshold: doublePrecision('completion_threshold'),
		scaledPassingScore: doublePrecision('scaled_passing_score'),
		dataFromLms: text('data_from_lms'),
		maxTimeAllowed: text('max_time_allowed'),
		timeLimitAction: text('time_limit_action'),
		prerequisites: text('prerequisites'),
		sequencing: jsonb('sequencing').$type<ItemSequencing>()
	},
	(t) => [
		primaryKey({ columns: [t.versionId, t.identifier] }),
		index('scorm_items_version_pos_idx').on(t.versionId, t.position)
	]
);

/**
 * One learner's run through one package, on the version it started on. A completed registration
 * has its completion; taking the course again (e.g. to renew) starts a new registration.
 */
export const scormRegistrations = pgTable(
	'scorm_registrations',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		courseId: uuid('course_id')
			.notNull()
			.references(() => courses.id),
		packageId: uuid('package_id')
			.notNull()
			.references(() => scormPackages.id),
		versionId: uuid('version_id')
			.notNull()
			.references(() => scormPackageVersions.id),
		/** 1, 2 … per learner and package */
		number: integer('number').notNull(),
		startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
		lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
		completedAt: timestamp('completed_at', { withTimezone: true }),
		/** written once: the unique index makes a second completion of one registration impossible */
		completionId: uuid('completion_id').references(() => completions.id),
		scorePercent: integer('score_percent')
	},
	(t) => [
		uniqueIndex('scorm_registrations_user_number_uq').on(t.userId, t.packageId, t.number),
		uniqueIndex('scorm_registrations_completion_uq').on(t.completionId),
		index('scorm_registrations_package_idx').on(t.packageId, t.lastActivityAt)
	]
);

export type CompletionStatus = 'not attempted' | 'incomplete' | 'completed' | 'unknown';
export type SuccessStatus = 'passed' | 'failed' | 'unknown';

/** The stored run-time (CMI) state of one SCO or asset in a registration, as last committed. */
export const scormRuntime = pgTable(
	'scorm_runtime',
	{
		registrationId: uuid('registration_id')
			.notNull()
			.references(() => scormRegistrations.id),
		itemIdentifier: text('item_identifier').notNull(),
		/** the CMI tree as the SCO left it (nested JSON, as scorm-again renders it) */
		cmi: jsonb('cmi').$type<Record<string, unknown>>().notNull().default({}),
		/** the newest commit applied; older or equal sequence numbers never overwrite */
		lastSequence: bigint('last_sequence', { mode: 'number' }).notNull().default(0),
		launchCount: integer('launch_count').notNull().default(0),
		/** what the server computed from the data, not what the SCO claimed */
		completionStatus: text('completion_status')
			.$type<CompletionStatus>()
			.notNull()
			.default('not attempted'),
		successStatus: text('success_status').$type<SuccessStatus>().notNull().default('unknown'),
		/** the status string the SCO itself reported (1.2 lesson_status or 2004 completion/success) */
		reportedStatus: text('reported_status'),
		scoreRaw: doublePrecision('score_raw'),
		scoreMin: doublePrecision('score_min'),
		scoreMax: doublePrecision('score_max'),
		scoreScaled: doublePrecision('score_scaled'),
		location: text('location'),
		exit: text('exit'),
		totalSeconds: doublePrecision('total_seconds').notNull().default(0),
		firstLaunchedAt: timestamp('first_launched_at', { withTimezone: true }),
		lastCommitAt: timestamp('last_commit_at', { withTimezone: true }),
		/** when the SCO first met the package's rule (completed, and passed where a pass mark is set); never undone */
		satisfiedAt: timestamp('satisfied_at', { withTimezone: true })
	},
	(t) => [primaryKey({ columns: [t.registrationId, t.itemIdentifier] })]
);

/**
 * One launch of a SCO: its commit token (only a hash is kept) and the base of its sequence
 * numbers, so commits of a later launch always order after those of an earlier one.
 */
export const scormLaunches = pgTable(
	'scorm_launches',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		registrationId: uuid('registration_id')
			.notNull()
			.references(() => scormRegistrations.id),
		itemIdentifier: text('item_identifier').notNull(),
		tokenHash: text('token_hash').notNull(),
		sequenceBase: bigint('sequence_base', { mode: 'number' }).notNull(),
		entry: text('entry').notNull(),
		createdAt: createdAt(),
		lastCommitAt: timestamp('last_commit_at', { withTimezone: true }),
		/** session_time the SCO reported in this launch, in seconds */
		sessionSeconds: doublePrecision('session_seconds'),
		terminatedAt: timestamp('terminated_at', { withTimezone: true })
	},
	(t) => [index('scorm_launches_runtime_idx').on(t.registrationId, t.itemIdentifier, t.createdAt)]
);

export type CommitOutcome = 'applied' | 'stale';

/** Every commit received (except exact replays), for support: what came, when, and what was done with it. */
export const scormCommits = pgTable(
	'scorm_commits',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		launchId: uuid('launch_id')
			.notNull()
			.references(() => scormLaunches.id),
		registrationId: uuid('registration_id')
			.notNull()
			.references(() => scormRegistrations.id),
		itemIdentifier: text('item_identifier').notNull(),
		sequence: bigint('sequence', { mode: 'number' }).notNull(),
		receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
		transport: text('transport').$type<'fetch' | 'beacon'>().notNull(),
		terminate: boolean('terminate').notNull().default(false),
		outcome: text('outcome').$type<CommitOutcome>().notNull(),
		reportedStatus: text('reported_status'),
		completionStatus: text('completion_status').$type<CompletionStatus>(),
		successStatus: text('success_status').$type<SuccessStatus>(),
		scoreRaw: doublePrecision('score_raw'),
		scoreScaled: doublePrecision('score_scaled'),
		location: text('location'),
		sessionTime: text('session_time'),
		exit: text('exit'),
		bytes: integer('bytes').notNull()
	},
	(t) => [
		uniqueIndex('scorm_commits_launch_sequence_uq').on(t.launchId, t.sequence),
		index('scorm_commits_runtime_idx').on(t.registrationId, t.itemIdentifier, t.receivedAt)
	]
);

/** The key that signs content addresses, shared by every instance. One row. */
export const scormSecrets = pgTable('scorm_secrets', {
	id: integer('id').primaryKey().default(1),
	contentKey: text('content_key').notNull(),
	createdAt: createdAt()
});
