import { sql } from 'drizzle-orm';
import {
	bigserial,
	boolean,
	customType,
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

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
	dataType: () => 'bytea'
});

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** The one partnership this installation serves; seeded from content/partnership.yaml. */
export const partnership = pgTable('partnership', {
	id: integer('id').primaryKey().default(1),
	name: text('name').notNull(),
	shortName: text('short_name').notNull(),
	fullName: text('full_name').notNull(),
	area: text('area').notNull().default(''),
	brandColour: text('brand_colour').notNull(),
	logo: text('logo'),
	updatedAt: updatedAt()
});

export const organisationKinds = ['council', 'police', 'fire', 'health', 'probation', 'community'] as const;
export type OrganisationKind = (typeof organisationKinds)[number];

export const organisations = pgTable('organisations', {
	id: uuid('id').primaryKey().defaultRandom(),
	/** Stable key from the seed file, so re-seeding updates rather than duplicates. */
	key: text('key').notNull().unique(),
	name: text('name').notNull(),
	kind: text('kind').$type<OrganisationKind>().notNull(),
	description: text('description').notNull().default(''),
	createdAt: createdAt()
});

export const teams = pgTable(
	'teams',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		organisationId: uuid('organisation_id')
			.notNull()
			.references(() => organisations.id),
		name: text('name').notNull(),
		createdAt: createdAt()
	},
	(t) => [uniqueIndex('teams_org_name_uq').on(t.organisationId, sql`lower(${t.name})`)]
);

export const audiences = ['frontline', 'community'] as const;
export type Audience = (typeof audiences)[number];
export const userStatuses = ['active', 'deactivated'] as const;
export type UserStatus = (typeof userStatuses)[number];

export const users = pgTable(
	'users',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		/** Stored lower-cased; unique. */
		email: text('email').notNull(),
		name: text('name').notNull(),
		organisationId: uuid('organisation_id')
			.notNull()
			.references(() => organisations.id),
		teamId: uuid('team_id').references(() => teams.id),
		audience: text('audience').$type<Audience>().notNull(),
		isAdmin: boolean('is_admin').notNull().default(false),
		passwordHash: text('password_hash'),
		status: text('status').$type<UserStatus>().notNull().default('active'),
		/** Synthetic people made by demo:seed; real data must never be mixed with them. */
		isDemo: boolean('is_demo').notNull().default(false),
		remindersOptOut: boolean('reminders_opt_out').notNull().default(false),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [
		uniqueIndex('users_email_uq').on(t.email),
		index('users_org_idx').on(t.organisationId, t.status),
		index('users_team_idx').on(t.teamId)
	]
);

/** A manager manages one or more organisations. */
export const managerOrganisations = pgTable(
	'manager_organisations',
	{
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		organisationId: uuid('organisation_id')
			.notNull()
			.references(() => organisations.id)
	},
	(t) => [primaryKey({ columns: [t.userId, t.organisationId] }), index('manager_orgs_org_idx').on(t.organisationId)]
);

/** Lucia-style sessions: the token is `<id>.<secret>`; only a SHA-256 hash of the secret is stored. */
export const sessions = pgTable(
	'sessions',
	{
		id: text('id').primaryKey(),
		secretHash: bytea('secret_hash').notNull(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		createdAt: createdAt()
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);

export const tokenKinds = ['setup', 'invite', 'reset'] as const;
export type TokenKind = (typeof tokenKinds)[number];

/** Single-use links (first-run setup, invitations, password resets). Only the hash of the token is kept. */
export const oneTimeTokens = pgTable(
	'one_time_tokens',
	{
		tokenHash: text('token_hash').primaryKey(),
		kind: text('kind').$type<TokenKind>().notNull(),
		userId: uuid('user_id').references(() => users.id),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		usedAt: timestamp('used_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(t) => [index('one_time_tokens_user_idx').on(t.userId, t.kind)]
);

/** Failed sign-in counters, per account and per IP, shared by every app instance. */
export const signInThrottle = pgTable('sign_in_throttle', {
	key: text('key').primaryKey(),
	failures: integer('failures').notNull().default(0),
	windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
	lockedUntil: timestamp('locked_until', { withTimezone: true })
});

export const auditLog = pgTable(
	'audit_log',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		actorId: uuid('actor_id').references(() => users.id),
		action: text('action').notNull(),
		targetType: text('target_type').notNull(),
		targetId: text('target_id'),
		organisationId: uuid('organisation_id').references(() => organisations.id),
		reason: text('reason'),
		details: jsonb('details').$type<Record<string, unknown>>().notNull().default({})
	},
	(t) => [index('audit_log_at_idx').on(t.at), index('audit_log_target_idx').on(t.targetType, t.targetId)]
);

/** Every email the platform sends is kept here; with no SMTP configured, this is where admins read them. */
export const outbox = pgTable(
	'outbox',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		toAddress: text('to_address').notNull(),
		subject: text('subject').notNull(),
		body: text('body').notNull(),
		createdAt: createdAt(),
		sentAt: timestamp('sent_at', { withTimezone: true }),
		error: text('error')
	},
	(t) => [index('outbox_created_idx').on(t.createdAt)]
);

/** Local contacts shown in lessons' "who to contact" cards; seeded, then editable by admins. */
export const localContacts = pgTable(
	'local_contacts',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		topic: text('topic').notNull(),
		name: text('name').notNull(),
		phone: text('phone'),
		url: text('url'),
		notes: text('notes'),
		sortOrder: integer('sort_order').notNull().default(0),
		updatedAt: updatedAt()
	},
	(t) => [index('local_contacts_topic_idx').on(t.topic, t.sortOrder)]
);

/** native: lessons in content/; scorm: an uploaded package; external: face-to-face or another provider, recorded by managers. */
export const courseKinds = ['native', 'scorm', 'external'] as const;
export type CourseKind = (typeof courseKinds)[number];

/** Courses are registered from content/ at start-up by slug, so ids stay stable across releases. */
export const courses = pgTable('courses', {
	id: uuid('id').primaryKey().defaultRandom(),
	slug: text('slug').notNull().unique(),
	kind: text('kind').$type<CourseKind>().notNull().default('native'),
	title: text('title').notNull(),
	summary: text('summary').notNull().default(''),
	audiences: jsonb('audiences').$type<Audience[]>().notNull(),
	estimatedMinutes: integer('estimated_minutes').notNull(),
	passMark: integer('pass_mark').notNull(),
	validityMonths: integer('validity_months').notNull().default(0),
	version: text('version').notNull(),
	active: boolean('active').notNull().default(true),
	createdAt: createdAt(),
	updatedAt: updatedAt()
});

/** Where a learner is in a course: started, last lesson opened (for resume). */
export const courseProgress = pgTable(
	'course_progress',
	{
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		courseId: uuid('course_id')
			.notNull()
			.references(() => courses.id),
		startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
		lastLesson: text('last_lesson'),
		lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.userId, t.courseId] }), index('course_progress_course_idx').on(t.courseId)]
);

export const lessonVisits = pgTable(
	'lesson_visits',
	{
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		courseId: uuid('course_id')
			.notNull()
			.references(() => courses.id),
		lesson: text('lesson').notNull(),
		firstVisitedAt: timestamp('first_visited_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.userId, t.courseId, t.lesson] })]
);

export interface DrawnQuestion {
	questionId: string;
	/** optionOrder[displayIndex] = index of the option in the bank */
	optionOrder: number[];
}
export interface GradedAnswer {
	questionId: string;
	chosenOption: number;
	correct: boolean;
}

/** One try at a course's final assessment: the questions drawn, and once submitted, the answers and result. */
export const assessmentAttempts = pgTable(
	'assessment_attempts',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		courseId: uuid('course_id')
			.notNull()
			.references(() => courses.id),
		courseVersion: text('course_version').notNull(),
		questions: jsonb('questions').$type<DrawnQuestion[]>().notNull(),
		startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
		submittedAt: timestamp('submitted_at', { withTimezone: true }),
		answers: jsonb('answers').$type<GradedAnswer[]>(),
		scorePercent: integer('score_percent'),
		passed: boolean('passed')
	},
	(t) => [index('attempts_user_course_idx').on(t.userId, t.courseId, t.startedAt)]
);

export const completionSources = ['native', 'scorm', 'external'] as const;
export type CompletionSource = (typeof completionSources)[number];

/**
 * A learner's completion of a course: written once per passing attempt, never deleted, with the
 * content version it was earned on. Recertification adds a new row; history is every row.
 */
export const completions = pgTable(
	'completions',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		courseId: uuid('course_id')
			.notNull()
			.references(() => courses.id),
		courseVersion: text('course_version').notNull(),
		completedAt: timestamp('completed_at', { withTimezone: true }).notNull(),
		source: text('source').$type<CompletionSource>().notNull(),
		attemptId: uuid('attempt_id').references(() => assessmentAttempts.id),
		scorePercent: integer('score_percent'),
		/** For completions recorded from outside the platform: the evidence, and who recorded it. */
		evidence: text('evidence'),
		recordedBy: uuid('recorded_by').references(() => users.id),
		/** A correction never deletes: the row is voided with who, when and why. */
		voidedAt: timestamp('voided_at', { withTimezone: true }),
		voidedBy: uuid('voided_by').references(() => users.id),
		voidReason: text('void_reason'),
		createdAt: createdAt()
	},
	(t) => [
		uniqueIndex('completions_attempt_uq').on(t.attemptId),
		index('completions_user_course_idx').on(t.userId, t.courseId, t.completedAt),
		index('completions_course_idx').on(t.courseId, t.completedAt)
	]
);

/**
 * Who must complete which course by when: everyone matching organisation, team and audience
 * (null = any), within `dueWithinDays` of joining or of the requirement starting, whichever is later.
 */
export const requirements = pgTable(
	'requirements',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		courseId: uuid('course_id')
			.notNull()
			.references(() => courses.id),
		organisationId: uuid('organisation_id').references(() => organisations.id),
		teamId: uuid('team_id').references(() => teams.id),
		audience: text('audience').$type<Audience>(),
		dueWithinDays: integer('due_within_days').notNull(),
		/** Months a completion counts for this requirement; null = the course's own validity. */
		renewalMonths: integer('renewal_months'),
		startsAt: timestamp('starts_at', { withTimezone: true }).notNull().defaultNow(),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: createdAt(),
		retiredAt: timestamp('retired_at', { withTimezone: true }),
		retiredBy: uuid('retired_by').references(() => users.id)
	},
	(t) => [index('requirements_course_idx').on(t.courseId), index('requirements_org_idx').on(t.organisationId)]
);

/** A course given to one person with a due date. Withdrawn, not deleted. */
export const assignments = pgTable(
	'assignments',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		courseId: uuid('course_id')
			.notNull()
			.references(() => courses.id),
		dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
		assignedBy: uuid('assigned_by').references(() => users.id),
		createdAt: createdAt(),
		withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
		withdrawnBy: uuid('withdrawn_by').references(() => users.id)
	},
	(t) => [index('assignments_user_idx').on(t.userId, t.courseId), index('assignments_course_idx').on(t.courseId)]
);

/** One row per reminder sent: the unique key makes each reminder go exactly once, whatever runs it. */
export const reminderLog = pgTable(
	'reminder_log',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		courseId: uuid('course_id').references(() => courses.id),
		kind: text('kind').notNull(),
		/** what the reminder is about, e.g. the due date or the ISO week of a digest */
		periodKey: text('period_key').notNull(),
		sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('reminder_log_once_uq').on(t.userId, t.kind, t.periodKey, sql`coalesce(${t.courseId}, '00000000-0000-0000-0000-000000000000'::uuid)`)]
);

/** Ed25519 keys that sign certificates. Old keys stay to verify what they signed; one is current. */
export const signingKeys = pgTable('signing_keys', {
	keyId: text('key_id').primaryKey(),
	publicKey: text('public_key').notNull(),
	/** PKCS#8 DER, base64; encrypted with CERTIFICATE_KEY_SECRET when that is set */
	privateKey: text('private_key').notNull(),
	encrypted: boolean('encrypted').notNull().default(false),
	createdAt: createdAt(),
	retiredAt: timestamp('retired_at', { withTimezone: true })
});

/** A certificate, issued once per completion, with a snapshot of what it says and its signature. */
export const certificates = pgTable(
	'certificates',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		code: text('code').notNull().unique(),
		completionId: uuid('completion_id')
			.notNull()
			.references(() => completions.id)
			.unique(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		courseId: uuid('course_id')
			.notNull()
			.references(() => courses.id),
		learnerName: text('learner_name').notNull(),
		courseTitle: text('course_title').notNull(),
		partnershipName: text('partnership_name').notNull(),
		completedAt: timestamp('completed_at', { withTimezone: true }).notNull(),
		issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
		expiresAt: timestamp('expires_at', { withTimezone: true }),
		keyId: text('key_id')
			.notNull()
			.references(() => signingKeys.keyId),
		signature: text('signature').notNull(),
		revokedAt: timestamp('revoked_at', { withTimezone: true }),
		revokedBy: uuid('revoked_by').references(() => users.id),
		revokeReason: text('revoke_reason')
	},
	(t) => [index('certificates_user_idx').on(t.userId, t.courseId, t.issuedAt)]
);
