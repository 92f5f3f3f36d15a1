import { and, or, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { rowsOf } from '../db/migrate.ts';
import {
	assessmentAnswers,
	assessmentAttempts,
	auditLog,
	certificates,
	managerOrganisations,
	oneTimeTokens,
	outbox,
	partnership,
	retentionRuns,
	sessions,
	users
} from '../db/schema.ts';
import { scormCommits, scormRegistrations, scormRuntime } from '../db/schema-scorm.ts';

/** SQL for the privacy domain: what is held about a person, and the changes retention and erasure make. No permission decisions here. */

export type Row = Record<string, unknown>;

export async function privacySettings(db: Db): Promise<unknown> {
	const [row] = await db
		.select({ privacy: partnership.privacy })
		.from(partnership)
		.where(eq(partnership.id, 1));
	return row?.privacy ?? null;
}

export async function personById(db: Db, id: string) {
	const [row] = await db.select().from(users).where(eq(users.id, id));
	return row ?? null;
}

export async function personByEmail(db: Db, email: string) {
	const [row] = await db.select().from(users).where(eq(users.email, email));
	return row ?? null;
}

const run = async (db: Db, query: ReturnType<typeof sql>): Promise<Row[]> =>
	rowsOf<Row>(await db.execute(query));

// --- What is held (the subject access export reads these) ---------------------------------------

export const held = {
	profile: (db: Db, id: string) =>
		run(
			db,
			sql`select u.id, u.name, u.email, o.name as organisation, t.name as team, u.audience, u.status, u.is_admin as "partnershipAdmin",
				u.reminders_opt_out as "earlyRemindersOff", u.password_hash is not null as "passwordSet", u.created_at as "createdAt", u.updated_at as "updatedAt",
				u.anonymised_at as "anonymisedAt", u.restricted_at as "restrictedAt"
			from users u join organisations o on o.id = u.organisation_id left join teams t on t.id = u.team_id where u.id = ${id}`
		),
	managedOrganisations: (db: Db, id: string) =>
		run(
			db,
			sql`select o.name as organisation, o.kind from manager_organisations m join organisations o on o.id = m.organisation_id where m.user_id = ${id} order by o.name`
		),
	courseProgress: (db: Db, id: string) =>
		run(
			db,
			sql`select c.title as course, p.started_at as "startedAt", p.last_lesson as "lastLesson", p.last_activity_at as "lastActivityAt"
			from course_progress p join courses c on c.id = p.course_id where p.user_id = ${id} order by p.started_at`
		),
	bookings: (db: Db, id: string) =>
		run(
			db,
			sql`select e.title as event, b.status, b.access_needs as "accessNeeds", b.access_needs_deleted_at as "accessNeedsDeletedAt",
				b.decided_at as "decidedAt", b.decision_reason as "decisionReason", b.promoted_at as "promotedAt", b.cancelled_at as "cancelledAt", b.created_at as "bookedAt"
			from event_bookings b join events e on e.id = b.event_id where b.user_id = ${id} order by b.created_at`
		),
	attendance: (db: Db, id: string) =>
		run(
			db,
			sql`select e.title as event, s.starts_at as "sessionStartsAt", a.mark, a.marked_at as "markedAt"
			from event_attendance a join event_bookings b on b.id = a.booking_id join event_sessions s on s.id = a.session_id join events e on e.id = b.event_id
			where b.user_id = ${id} order by s.starts_at`
		),
	lessonVisits: (db: Db, id: string) =>
		run(
			db,
			sql`select c.title as course, v.lesson, v.first_visited_at as "firstVisitedAt"
			from lesson_visits v join courses c on c.id = v.course_id where v.user_id = ${id} order by v.first_visited_at, v.lesson`
		),
	attempts: (db: Db, id: string) =>
		run(
			db,
			sql`select a.id, c.title as course, a.course_version as "courseVersion", a.started_at as "startedAt", a.submitted_at as "submittedAt",
				a.score_percent as "scorePercent", a.passed, a.questions as "questionsShown", a.answers as "gradedAnswers", a.detail_removed_at as "detailRemovedAt"
			from assessment_attempts a join courses c on c.id = a.course_id where a.user_id = ${id} order by a.started_at`
		),
	answers: (db: Db, id: string) =>
		run(
			db,
			sql`select s.attempt_id as "attemptId", s.question_id as "questionId", s.chosen as "chosenOption", s.answered_at as "answeredAt"
			from assessment_answers s join assessment_attempts a on a.id = s.attempt_id where a.user_id = ${id} order by s.answered_at, s.question_id`
		),
	scormRegistrations: (db: Db, id: string) =>
		run(
			db,
			sql`select r.id, c.title as course, r.number, r.started_at as "startedAt", r.last_activity_at as "lastActivityAt", r.completed_at as "completedAt", r.score_percent as "scorePercent"
			from scorm_registrations r join courses c on c.id = r.course_id where r.user_id = ${id} order by r.started_at`
		),
	scormRuntime: (db: Db, id: string) =>
		run(
			db,
			sql`select rt.registration_id as "registrationId", rt.item_identifier as item, rt.completion_status as "completionStatus", rt.success_status as "successStatus",
				rt.score_raw as "scoreRaw", rt.score_scaled as "scoreScaled", rt.total_seconds as "totalSeconds", rt.location, rt.exit,
				rt.first_launched_at as "firstLaunchedAt", rt.last_commit_at as "lastCommitAt", rt.cmi
			from scorm_runtime rt join scorm_registrations r on r.id = rt.registration_id where r.user_id = ${id} order by rt.registration_id, rt.item_identifier`
		),
	scormCommits: (db: Db, id: string) =>
		run(
			db,
			sql`select sc.registration_id as "registrationId", sc.item_identifier as item, sc.received_at as "receivedAt", sc.outcome,
				sc.reported_status as "reportedStatus", sc.score_raw as "scoreRaw", sc.location, sc.session_time as "sessionTime", sc.exit
			from scorm_commits sc join scorm_registrations r on r.id = sc.registration_id where r.user_id = ${id} order by sc.received_at, sc.id`
		),
	completions: (db: Db, id: string) =>
		run(
			db,
			sql`select cm.id, c.title as course, cm.course_version as "courseVersion", cm.completed_at as "completedAt", cm.source, cm.score_percent as "scorePercent",
				cm.evidence, rb.name as "recordedBy", cm.voided_at as "voidedAt", cm.void_reason as "voidReason"
			from completions cm join courses c on c.id = cm.course_id left join users rb on rb.id = cm.recorded_by where cm.user_id = ${id} order by cm.completed_at`
		),
	certificates: (db: Db, id: string) =>
		run(
			db,
			sql`select code, learner_name as "nameOnCertificate", course_title as course, partnership_name as "issuedBy", completed_at as "completedAt",
				issued_at as "issuedAt", expires_at as "expiresAt", revoked_at as "revokedAt", name_withheld_at as "nameWithheldAt"
			from certificates where user_id = ${id} order by issued_at`
		),
	assignments: (db: Db, id: string) =>
		run(
			db,
			sql`select c.title as course, a.due_at as "dueAt", a.created_at as "assignedAt", a.withdrawn_at as "withdrawnAt"
			from assignments a join courses c on c.id = a.course_id where a.user_id = ${id} order by a.created_at`
		),
	reminders: (db: Db, id: string) =>
		run(
			db,
			sql`select r.kind, c.title as course, r.period_key as "about", r.sent_at as "sentAt"
			from reminder_log r left join courses c on c.id = r.course_id where r.user_id = ${id} order by r.sent_at`
		),
	emails: (db: Db, email: string) =>
		run(
			db,
			sql`select to_address as "to", subject, body, created_at as "createdAt", sent_at as "sentAt" from outbox where to_address = ${email} order by created_at`
		),
	audit: (db: Db, id: string) =>
		run(
			db,
			sql`select a.at, a.action, a.target_type as "targetType", actor.name as "by", a.reason, a.details
			from audit_log a left join users actor on actor.id = a.actor_id
			where a.target_type = 'person' and a.target_id = ${id}
			order by a.at, a.id`
		),
	/** what they did to other records: when and what kind only, since the details are about other people */
	auditActions: (db: Db, id: string) =>
		run(
			db,
			sql`select a.at, a.action, a.target_type as "targetType" from audit_log a where a.actor_id = ${id}::uuid and not (a.target_type = 'person' and a.target_id = ${id}) order by a.at, a.id`
		),
	/** true when a table exists: sections of other domains (events, say) can be optional at merge time */
	tableExists: async (db: Db, name: string) =>
		(await run(db, sql`select to_regclass(${name}) is not null as present`))[0]?.present === true
};

// --- Counts for an erasure preview ---------------------------------------------------------------

export async function erasureCounts(db: Db, id: string, email: string) {
	const [row] = await run(
		db,
		sql`select
			(select count(*)::int from sessions where user_id = ${id}) as sessions,
			(select count(*)::int from one_time_tokens where user_id = ${id}) as tokens,
			(select count(*)::int from manager_organisations where user_id = ${id}) as managed,
			(select count(*)::int from assessment_attempts where user_id = ${id} and detail_removed_at is null) as attempts,
			(select count(*)::int from assessment_answers s join assessment_attempts a on a.id = s.attempt_id where a.user_id = ${id}) as answers,
			(select count(*)::int from scorm_runtime rt join scorm_registrations r on r.id = rt.registration_id where r.user_id = ${id} and rt.cmi <> '{}'::jsonb) as runtime,
			(select count(*)::int from scorm_commits sc join scorm_registrations r on r.id = sc.registration_id where r.user_id = ${id}) as commits,
			(select count(*)::int from outbox where to_address = ${email}) as emails,
			(select count(*)::int from certificates where user_id = ${id}) as certificates,
			(select count(*)::int from completions where user_id = ${id}) as completions,
			(select count(*)::int from course_progress where user_id = ${id}) as progress,
			(select count(*)::int from assignments where user_id = ${id}) as assignments,
			(select count(*)::int from reminder_log where user_id = ${id}) as reminders,
			(select count(*)::int from audit_log where target_type = 'person' and target_id = ${id}) as audit`
	);
	return row as Record<
		| 'sessions'
		| 'tokens'
		| 'managed'
		| 'attempts'
		| 'answers'
		| 'runtime'
		| 'commits'
		| 'emails'
		| 'certificates'
		| 'completions'
		| 'progress'
		| 'assignments'
		| 'reminders'
		| 'audit',
		number
	>;
}

// --- Changes ---------------------------------------------------------------------------------------

export const REMOVED_BODY = (days: number) =>
	`[The text of this email was removed after ${days} days under the retention policy.]`;
export const ANONYMISED_NAME = 'Anonymised person';
export const anonymisedEmail = (id: string) => `anonymised-${id}@anonymised.invalid`;

/** Questions and answers of these attempts go; the score, pass or fail and dates stay. */
export async function reduceAttempts(
	db: Db,
	attemptIds: string[],
	now: Date
): Promise<{ attempts: number; answers: number }> {
	if (!attemptIds.length) return { attempts: 0, answers: 0 };
	const answers = await db
		.delete(assessmentAnswers)
		.where(inArray(assessmentAnswers.attemptId, attemptIds))
		.returning({ id: assessmentAnswers.attemptId });
	const attempts = await db
		.update(assessmentAttempts)
		.set({
			questions: [],
			answers: sql`case when ${assessmentAttempts.submittedAt} is null then null else '[]'::jsonb end`,
			detailRemovedAt: now
		})
		.where(
			and(inArray(assessmentAttempts.id, attemptIds), isNull(assessmentAttempts.detailRemovedAt))
		)
		.returning({ id: assessmentAttempts.id });
	return { attempts: attempts.length, answers: answers.length };
}

/** Submitted attempts older than the cut-off whose detail is still held. */
export async function attemptsSubmittedBefore(db: Db, cutoff: Date): Promise<string[]> {
	const rows = await db
		.select({ id: assessmentAttempts.id })
		.from(assessmentAttempts)
		.innerJoin(users, eq(users.id, assessmentAttempts.userId))
		.where(
			and(
				lt(assessmentAttempts.submittedAt, cutoff),
				isNull(assessmentAttempts.detailRemovedAt),
				isNull(users.restrictedAt)
			)
		);
	return rows.map((r) => r.id);
}

export async function attemptsOf(db: Db, userId: string): Promise<string[]> {
	const rows = await db
		.select({ id: assessmentAttempts.id })
		.from(assessmentAttempts)
		.where(and(eq(assessmentAttempts.userId, userId), isNull(assessmentAttempts.detailRemovedAt)));
	return rows.map((r) => r.id);
}

/** The CMI data and commit history of these registrations go; statuses, scores and time stay. */
export async function reduceScorm(
	db: Db,
	registrationIds: string[]
): Promise<{ runtime: number; commits: number }> {
	if (!registrationIds.length) return { runtime: 0, commits: 0 };
	const commits = await db
		.delete(scormCommits)
		.where(inArray(scormCommits.registrationId, registrationIds))
		.returning({ id: scormCommits.id });
	const runtime = await db
		.update(scormRuntime)
		.set({ cmi: {}, location: null })
		.where(
			and(
				inArray(scormRuntime.registrationId, registrationIds),
				sql`(${scormRuntime.cmi} <> '{}'::jsonb or ${scormRuntime.location} is not null)`
			)
		)
		.returning({ id: scormRuntime.registrationId });
	return { runtime: runtime.length, commits: commits.length };
}

export async function registrationsCompletedBefore(db: Db, cutoff: Date): Promise<string[]> {
	const rows = await run(
		db,
		sql`select r.id from scorm_registrations r join users u on u.id = r.user_id
			where r.completed_at < ${cutoff.toISOString()}::timestamptz and u.restricted_at is null
			and (exists (select 1 from scorm_runtime rt where rt.registration_id = r.id and (rt.cmi <> '{}'::jsonb or rt.location is not null))
				or exists (select 1 from scorm_commits sc where sc.registration_id = r.id))`
	);
	return rows.map((r) => String(r.id));
}

export async function registrationsOf(db: Db, userId: string): Promise<string[]> {
	const rows = await db
		.select({ id: scormRegistrations.id })
		.from(scormRegistrations)
		.where(eq(scormRegistrations.userId, userId));
	return rows.map((r) => r.id);
}

export async function removeEmailBodies(db: Db, cutoff: Date, days: number): Promise<number> {
	const marker = REMOVED_BODY(days);
	const rows = await db
		.update(outbox)
		// The HTML part and any attachment are copies of the same text: they go with it.
		.set({ body: marker, html: null, attachments: [] })
		.where(
			and(
				lt(outbox.createdAt, cutoff),
				sql`${outbox.body} not like '[The text of this email was removed%'`,
				sql`not exists (select 1 from users u where u.email = ${outbox.toAddress} and u.restricted_at is not null)`
			)
		)
		.returning({ id: outbox.id });
	return rows.length;
}

export async function deleteAuditBefore(db: Db, cutoff: Date): Promise<number> {
	const rows = await db
		.delete(auditLog)
		.where(
			and(
				lt(auditLog.at, cutoff),
				sql`not (${auditLog.targetType} = 'person' and exists (select 1 from users u where u.id::text = ${auditLog.targetId} and u.restricted_at is not null))`
			)
		)
		.returning({ id: auditLog.id });
	return rows.length;
}

/**
 * Deactivated, not yet anonymised, not restricted people who left before the cut-off. When they
 * left is the newest deactivation in the audit log, or the last change to their account.
 */
export async function leaversBefore(db: Db, cutoff: Date): Promise<string[]> {
	const rows = await run(
		db,
		sql`select u.id from users u
			where u.status = 'deactivated' and u.anonymised_at is null and u.restricted_at is null
			and coalesce((select max(a.at) from audit_log a where a.action = 'person.deactivated' and a.target_type = 'person' and a.target_id = u.id::text), u.updated_at)
				< ${cutoff.toISOString()}::timestamptz`
	);
	return rows.map((r) => String(r.id));
}

/**
 * Replaces a person's personal details and takes away their means of signing in. Everything
 * figures are counted from (organisation, team, audience, status, dates, completions,
 * obligations) is left exactly as it was.
 */
export async function anonymisePersonRow(
	db: Db,
	person: { id: string; name: string; email: string },
	now: Date
) {
	const email = anonymisedEmail(person.id);
	await db
		.update(users)
		.set({
			name: ANONYMISED_NAME,
			email,
			passwordHash: null,
			isAdmin: false,
			remindersOptOut: true,
			anonymisedAt: now
		})
		.where(eq(users.id, person.id));
	const removedSessions = await db
		.delete(sessions)
		.where(eq(sessions.userId, person.id))
		.returning({ id: sessions.id });
	const removedTokens = await db
		.delete(oneTimeTokens)
		.where(eq(oneTimeTokens.userId, person.id))
		.returning({ id: oneTimeTokens.tokenHash });
	const removedRights = await db
		.delete(managerOrganisations)
		.where(eq(managerOrganisations.userId, person.id))
		.returning({ id: managerOrganisations.organisationId });
	const withheld = await db
		.update(certificates)
		.set({ learnerName: '', nameWithheldAt: now })
		.where(and(eq(certificates.userId, person.id), isNull(certificates.nameWithheldAt)))
		.returning({ id: certificates.id });
	const emails = await db
		.update(outbox)
		.set({
			toAddress: email,
			subject: '[Removed]',
			body: '[Removed when the person was anonymised.]',
			html: null,
			attachments: []
		})
		.where(or(eq(outbox.toAddress, person.email), eq(outbox.userId, person.id)))
		.returning({ id: outbox.id });
	// Audit entries about them keep what happened, not who it happened to.
	const entries = await run(
		db,
		sql`select id, details, reason from audit_log
			where (target_type = 'person' and target_id = ${person.id}) or strpos(details::text, ${person.email}) > 0 or strpos(coalesce(reason, ''), ${person.email}) > 0`
	);
	let auditEntries = 0;
	for (const entry of entries) {
		const details = scrub(entry.details, person);
		const reason = typeof entry.reason === 'string' ? String(scrub(entry.reason, person)) : null;
		if (JSON.stringify(details) === JSON.stringify(entry.details) && reason === entry.reason)
			continue;
		await db
			.update(auditLog)
			.set({ details: details as Record<string, unknown>, reason })
			.where(eq(auditLog.id, Number(entry.id)));
		auditEntries++;
	}
	return {
		sessions: removedSessions.length,
		tokens: removedTokens.length,
		managerRights: removedRights.length,
		certificates: withheld.length,
		emails: emails.length,
		auditEntries
	};
}

/** Every string value (never a key) with the person's email and name taken out. */
function scrub(value: unknown, person: { name: string; email: string }): unknown {
	if (typeof value === 'string') {
		let out = value.split(person.email).join('[anonymised]');
		// A very short name would match inside other words; then only the whole value counts.
		out =
			person.name.length >= 3
				? out.split(person.name).join('[anonymised]')
				: out === person.name
					? '[anonymised]'
					: out;
		return out;
	}
	if (Array.isArray(value)) return value.map((v) => scrub(v, person));
	if (value && typeof value === 'object')
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, person)]));
	return value;
}

export async function setRestricted(db: Db, id: string, at: Date | null): Promise<void> {
	await db.update(users).set({ restrictedAt: at }).where(eq(users.id, id));
}

// --- Retention runs ---------------------------------------------------------------------------------

export async function startRun(db: Db, asOf: Date): Promise<number> {
	const [row] = await db.insert(retentionRuns).values({ asOf }).returning({ id: retentionRuns.id });
	return row!.id;
}

export async function finishRun(
	db: Db,
	id: number,
	report: Record<string, unknown>
): Promise<void> {
	await db
		.update(retentionRuns)
		.set({ finishedAt: new Date(), report })
		.where(eq(retentionRuns.id, id));
}

export async function recentRuns(db: Db, limit: number) {
	return db
		.select()
		.from(retentionRuns)
		.orderBy(desc(retentionRuns.startedAt), desc(retentionRuns.id))
		.limit(limit);
}
