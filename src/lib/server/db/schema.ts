import { sql } from 'drizzle-orm';
import {
	bigserial,
	boolean,
	customType,
	date,
	index,
	integer,
	jsonb,
	pgTable,
	primaryKey,
	smallint,
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
	/** The privacy notice and retention periods from the partnership file (see privacy/notice.ts). */
	privacy: jsonb('privacy').$type<Record<string, unknown>>(),
	/** Days after an event ends that bookers' access needs and dietary requirements are kept. */
	eventAccessNeedsRetentionDays: integer('event_access_needs_retention_days').notNull().default(14),
	updatedAt: updatedAt()
});

export const organisationKinds = [
	'council',
	'police',
	'fire',
	'health',
	'probation',
	'community'
] as const;
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
		/** Personal details replaced (retention or an erasure request); the learning records stay for the figures. */
		anonymisedAt: timestamp('anonymised_at', { withTimezone: true }),
		/** Processing restricted on request (UK GDPR art. 18): deactivated, kept as it is, nothing removed. */
		restrictedAt: timestamp('restricted_at', { withTimezone: true }),
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
	(t) => [
		primaryKey({ columns: [t.userId, t.organisationId] }),
		index('manager_orgs_org_idx').on(t.organisationId)
	]
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
	(t) => [
		index('audit_log_at_idx').on(t.at),
		index('audit_log_target_idx').on(t.targetType, t.targetId)
	]
);

/**
 * Every email the platform sends is kept here, written with its pg-boss job in the transaction that
 * causes it; the worker records each attempt. With no SMTP configured, this is where admins read them.
 */
export const outbox = pgTable(
	'outbox',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		toAddress: text('to_address').notNull(),
		subject: text('subject').notNull(),
		body: text('body').notNull(),
		html: text('html'),
		attachments: jsonb('attachments')
			.$type<{ filename: string; contentType: string; contentBase64: string }[]>()
			.notNull()
			.default([]),
		kind: text('kind').notNull().default('message'),
		userId: uuid('user_id').references(() => users.id),
		/** queued, retrying, sent, failed (given up), kept (no SMTP configured) */
		state: text('state').notNull().default('queued'),
		attempts: integer('attempts').notNull().default(0),
		lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
		jobId: uuid('job_id'),
		requestId: text('request_id'),
		createdAt: createdAt(),
		sentAt: timestamp('sent_at', { withTimezone: true }),
		/** the last error */
		error: text('error')
	},
	(t) => [
		index('outbox_created_idx').on(t.createdAt),
		index('outbox_user_idx').on(t.userId, t.createdAt)
	]
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
	(t) => [
		primaryKey({ columns: [t.userId, t.courseId] }),
		index('course_progress_course_idx').on(t.courseId)
	]
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

/** What a learner was shown for one question, frozen when the attempt was drawn. */
export interface ShownQuestion {
	question: string;
	/** the options in the order the learner sees them */
	options: string[];
	/** display index of the right option */
	correct: number;
	explanation: string;
	kind: 'application' | 'recall' | null;
}
export interface DrawnQuestion {
	questionId: string;
	/** optionOrder[displayIndex] = index of the option in the bank when drawn */
	optionOrder: number[];
	/**
	 * The question exactly as drawn: grading and the result use this, never whatever the content
	 * says after a later change. Absent only on attempts drawn before it was stored.
	 */
	shown?: ShownQuestion;
}
export interface GradedAnswer {
	questionId: string;
	/** index of the chosen option in the bank when drawn */
	chosenOption: number;
	/** display index of the chosen option (absent on attempts graded before it was stored) */
	chosenDisplay?: number;
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
		passed: boolean('passed'),
		/** The questions and answers were removed under the retention policy; the score and result stay. */
		detailRemovedAt: timestamp('detail_removed_at', { withTimezone: true })
	},
	(t) => [index('attempts_user_course_idx').on(t.userId, t.courseId, t.startedAt)]
);

/**
 * An answer as the learner chose it, saved at once so that nothing is lost if they are called away;
 * one row per question, overwritten when they change their mind, graded on submission.
 */
export const assessmentAnswers = pgTable(
	'assessment_answers',
	{
		attemptId: uuid('attempt_id')
			.notNull()
			.references(() => assessmentAttempts.id),
		questionId: text('question_id').notNull(),
		/** display index of the chosen option, in the attempt's own order */
		chosen: integer('chosen').notNull(),
		answeredAt: timestamp('answered_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.attemptId, t.questionId] })]
);

export const completionSources = ['native', 'scorm', 'external', 'event'] as const;
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
		/**
		 * Training recorded from elsewhere, approved by a partnership admin as equivalent to the
		 * course (an admin's own record is approved as it is made). Only requirements that ask for
		 * approval (`externalNeedsApproval`) wait for it.
		 */
		approvedAt: timestamp('approved_at', { withTimezone: true }),
		approvedBy: uuid('approved_by').references(() => users.id),
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
		/** Training recorded from elsewhere counts only once a partnership admin has approved it. */
		externalNeedsApproval: boolean('external_needs_approval').notNull().default(false),
		startsAt: timestamp('starts_at', { withTimezone: true }).notNull().defaultNow(),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: createdAt(),
		retiredAt: timestamp('retired_at', { withTimezone: true }),
		retiredBy: uuid('retired_by').references(() => users.id)
	},
	(t) => [
		index('requirements_course_idx').on(t.courseId),
		index('requirements_org_idx').on(t.organisationId)
	]
);

/**
 * Further courses that meet a requirement besides its own (an e-learning course, a session-based
 * course, ...): a completion of any of them counts, and the obligation stays keyed by the
 * requirement's own course, so dashboards, exports and reminders see one obligation.
 */
export const requirementRoutes = pgTable(
	'requirement_routes',
	{
		requirementId: uuid('requirement_id')
			.notNull()
			.references(() => requirements.id),
		courseId: uuid('course_id')
			.notNull()
			.references(() => courses.id),
		addedBy: uuid('added_by').references(() => users.id),
		addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		primaryKey({ name: 'requirement_routes_pk', columns: [t.requirementId, t.courseId] }),
		index('requirement_routes_course_idx').on(t.courseId)
	]
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
	(t) => [
		index('assignments_user_idx').on(t.userId, t.courseId),
		index('assignments_course_idx').on(t.courseId)
	]
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
	(t) => [
		uniqueIndex('reminder_log_once_uq').on(
			t.userId,
			t.kind,
			t.periodKey,
			sql`coalesce(${t.courseId}, '00000000-0000-0000-0000-000000000000'::uuid)`
		)
	]
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
		revokeReason: text('revoke_reason'),
		/** The holder was anonymised: verification still says genuine and its dates, never a name. */
		nameWithheldAt: timestamp('name_withheld_at', { withTimezone: true })
	},
	(t) => [index('certificates_user_idx').on(t.userId, t.courseId, t.issuedAt)]
);

/** What each run of the retention job did, for admins (Partnership admin → Privacy). */
export const retentionRuns = pgTable(
	'retention_runs',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		/** the time the rules were applied as of (the clock, a parameter in tests) */
		asOf: timestamp('as_of', { withTimezone: true }).notNull(),
		startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
		finishedAt: timestamp('finished_at', { withTimezone: true }),
		report: jsonb('report').$type<Record<string, unknown>>().notNull().default({})
	},
	(t) => [index('retention_runs_started_idx').on(t.startedAt)]
);

export const ssoProtocols = ['oidc', 'saml'] as const;
export type SsoProtocol = (typeof ssoProtocols)[number];

/** How claims become a placement: audience values and the claim that names a team. */
export interface SsoClaimMappings {
	/** Claim (OIDC) or attribute (SAML) holding the email; default `email`. */
	emailClaim?: string;
	/** Claim holding the display name; default `name`. */
	nameClaim?: string;
	/** Claim whose value decides the audience, with value → audience pairs. */
	audienceClaim?: string;
	audienceValues?: Record<string, Audience>;
	/** Claim whose value names one of the organisation's teams. */
	teamClaim?: string;
}

/** One identity provider per organisation (issue 15); the secret is stored encrypted (secret-box.ts). */
export const organisationSso = pgTable('organisation_sso', {
	organisationId: uuid('organisation_id')
		.primaryKey()
		.references(() => organisations.id),
	protocol: text('protocol').$type<SsoProtocol>().notNull(),
	enabled: boolean('enabled').notNull().default(false),
	required: boolean('required').notNull().default(false),
	showButton: boolean('show_button').notNull().default(false),
	allowCreate: boolean('allow_create').notNull().default(false),
	emailDomains: text('email_domains')
		.array()
		.notNull()
		.default(sql`'{}'::text[]`),
	oidcIssuer: text('oidc_issuer'),
	oidcClientId: text('oidc_client_id'),
	oidcClientSecret: text('oidc_client_secret'),
	samlEntryPoint: text('saml_entry_point'),
	samlIdpEntityId: text('saml_idp_entity_id'),
	samlIdpCert: text('saml_idp_cert'),
	mappings: jsonb('mappings').$type<SsoClaimMappings>().notNull().default({}),
	defaultAudience: text('default_audience').$type<Audience>().notNull().default('frontline'),
	defaultTeamId: uuid('default_team_id').references(() => teams.id),
	/** Who people are told to ask when they cannot sign in (shown on refusal pages). */
	helpContact: text('help_contact').notNull().default(''),
	updatedAt: updatedAt()
});

/** A person's account at an organisation's provider (issuer + subject), linked once. */
export const ssoIdentities = pgTable(
	'sso_identities',
	{
		organisationId: uuid('organisation_id')
			.notNull()
			.references(() => organisations.id),
		subject: text('subject').notNull(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		createdAt: createdAt()
	},
	(t) => [
		primaryKey({ columns: [t.organisationId, t.subject] }),
		index('sso_identities_user_idx').on(t.userId)
	]
);

/** A sign-in begun and not yet finished: state, nonce and PKCE verifier (OIDC) or AuthnRequest id (SAML). */
export const ssoFlows = pgTable('sso_flows', {
	id: text('id').primaryKey(),
	organisationId: uuid('organisation_id')
		.notNull()
		.references(() => organisations.id),
	protocol: text('protocol').$type<SsoProtocol>().notNull(),
	/** hash of the browser-binding cookie */
	browserHash: text('browser_hash').notNull(),
	nonce: text('nonce'),
	codeVerifier: text('code_verifier'),
	next: text('next'),
	/** set for an admin's test sign-in: nothing is changed, a report is kept */
	testerId: uuid('tester_id').references(() => users.id),
	report: jsonb('report').$type<Record<string, unknown>>(),
	expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
	usedAt: timestamp('used_at', { withTimezone: true }),
	createdAt: createdAt()
});

/** SAML assertion ids already accepted, kept until they expire, so none is accepted twice. */
export const ssoSeenAssertions = pgTable('sso_seen_assertions', {
	assertionId: text('assertion_id').primaryKey(),
	organisationId: uuid('organisation_id')
		.notNull()
		.references(() => organisations.id),
	expiresAt: timestamp('expires_at', { withTimezone: true }).notNull()
});

/** What start-up last applied from content/ (partnership seed, course registration), by hash: unchanged content is not applied again. */
export const startUpFingerprints = pgTable('start_up_fingerprints', {
	name: text('name').primaryKey(),
	fingerprint: text('fingerprint').notNull(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

/**
 * One row per person and required course, kept true in the same transaction as every change that
 * affects it (see tracking/queries.ts); status is a comparison of these dates with now.
 */
export const obligations = pgTable(
	'obligations',
	{
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		courseId: uuid('course_id')
			.notNull()
			.references(() => courses.id),
		organisationId: uuid('organisation_id')
			.notNull()
			.references(() => organisations.id),
		teamId: uuid('team_id').references(() => teams.id),
		dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
		/** months a completion counts; 0 = never expires */
		renewalMonths: integer('renewal_months').notNull(),
		completionId: uuid('completion_id').references(() => completions.id),
		completedAt: timestamp('completed_at', { withTimezone: true }),
		expiresAt: timestamp('expires_at', { withTimezone: true }),
		started: boolean('started').notNull().default(false),
		/** where the obligation comes from */
		requirementIds: uuid('requirement_ids')
			.array()
			.notNull()
			.default(sql`'{}'`),
		assignmentIds: uuid('assignment_ids')
			.array()
			.notNull()
			.default(sql`'{}'`),
		effectiveDue: timestamp('effective_due', { withTimezone: true }).generatedAlwaysAs(
			sql`case when completed_at is not null then expires_at else due_at end`
		),
		updatedAt: updatedAt()
	},
	(t) => [
		primaryKey({ name: 'obligations_pk', columns: [t.userId, t.courseId] }),
		index('obligations_org_due_idx').on(
			t.organisationId,
			sql`coalesce(${t.effectiveDue}, 'infinity'::timestamptz)`,
			t.userId,
			t.courseId
		),
		index('obligations_due_idx').on(sql`coalesce(${t.effectiveDue}, 'infinity'::timestamptz)`),
		index('obligations_course_idx').on(t.courseId),
		index('obligations_team_idx').on(t.teamId),
		// INCLUDE (team_id, course_id, started) and (team_id, course_id) in the SQL, for index-only scans
		index('obligations_open_due_idx')
			.on(t.organisationId, t.dueAt)
			.where(sql`${t.completedAt} is null`),
		index('obligations_done_expiry_idx')
			.on(t.organisationId, t.expiresAt)
			.where(sql`${t.completedAt} is not null`)
	]
);

/**
 * Obligations counted per organisation, team (the zero uuid for none), course, kind (1 open,
 * 2 open and started, 3 completed with an expiry, 4 completed for good) and month (UTC) of the due
 * date or expiry; kept by triggers on obligations (drizzle/0007_obligations.sql), read by dashboards.
 */
export const obligationTally = pgTable(
	'obligation_tally',
	{
		organisationId: uuid('organisation_id').notNull(),
		teamId: uuid('team_id').notNull(),
		courseId: uuid('course_id').notNull(),
		kind: smallint('kind').notNull(),
		month: date('month').notNull(),
		n: integer('n').notNull()
	},
	(t) => [
		primaryKey({
			name: 'obligation_tally_pk',
			columns: [t.organisationId, t.teamId, t.courseId, t.kind, t.month]
		})
	]
);

/** The same by day (UTC); dashboards read only the days of a boundary's own month. */
export const obligationDayTally = pgTable(
	'obligation_day_tally',
	{
		organisationId: uuid('organisation_id').notNull(),
		teamId: uuid('team_id').notNull(),
		courseId: uuid('course_id').notNull(),
		kind: smallint('kind').notNull(),
		day: date('day').notNull(),
		n: integer('n').notNull()
	},
	(t) => [
		primaryKey({
			name: 'obligation_day_tally_pk',
			columns: [t.organisationId, t.teamId, t.courseId, t.kind, t.day]
		}),
		// INCLUDE (team_id, course_id, kind, n) in the SQL, for index-only scans
		index('obligation_day_tally_day_idx').on(t.organisationId, t.day)
	]
);

/** Completions not voided per month (UK time) and source, kept by triggers on completions. */
export const completionMonthTally = pgTable(
	'completion_month_tally',
	{
		month: date('month').notNull(),
		source: text('source').$type<CompletionSource>().notNull(),
		n: integer('n').notNull()
	},
	(t) => [primaryKey({ columns: [t.month, t.source], name: 'completion_month_tally_pkey' })]
);
