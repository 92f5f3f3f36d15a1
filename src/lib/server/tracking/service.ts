import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import { assignments, audiences, completions, courses, organisations, requirements, teams } from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { assertCanManageOrganisation, manageableOrganisationIds } from '../auth/permissions.ts';
import { recordAudit } from '../audit/service.ts';
import { runCompletionHooks } from '../courses/completion.ts';
import { getPerson, placementChoices } from '../people/service.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { MAX_LONG_TEXT, parseInput, reasonField, uuidField, optionalUuid } from '../validation.ts';
import { rowsOf } from '../db/migrate.ts';
import { dashboardFigures, peopleStatus, peopleStatusSql, toPersonStatusRow } from './dashboard.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { streamQuery } from '../db/stream.ts';
import { statusRows, STATUSES, type StatusScope } from './status.ts';
import { cached, trackingChanged } from './cache.ts';

/** A real calendar date (no 31 February, no year 0) from an <input type="date">. */
const dateField = (message: string) =>
	z
		.string({ error: message })
		.trim()
		.regex(/^\d{4}-\d{2}-\d{2}$/, message)
		.refine((v) => {
			const d = new Date(`${v}T12:00:00Z`);
			const year = Number(v.slice(0, 4));
			return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v && year >= 1990 && year <= 2100;
		}, message)
		.transform((v) => new Date(`${v}T12:00:00Z`));

const ukDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
/** YYYY-MM-DD of `moment` in the UK, to compare with dates people type. */
const ukCalendarDate = (moment: Date) => ukDay.format(moment);

export const requirementSchema = z.object({
	courseId: uuidField('Choose a course'),
	organisationId: optionalUuid,
	teamId: optionalUuid,
	audience: z
		.enum(['', ...audiences], { error: 'Choose who it applies to' })
		.optional()
		.transform((v) => (v ? v : undefined)),
	dueWithinDays: z.coerce.number({ error: 'Enter a number of days' }).int('Enter a whole number of days').min(0, 'Enter 0 or more days').max(3650, 'Enter 3650 days or fewer'),
	renewalMonths: z
		.string()
		.trim()
		.optional()
		.transform((v) => (v ? Number(v) : undefined))
		.pipe(z.number({ error: 'Enter a number of months' }).int('Enter a whole number of months').min(0).max(240, 'Enter 240 months or fewer').optional())
});

/** The organisations, teams and courses a person may set requirements and filter dashboards by. */
export async function trackingChoices(db: Db, actor: AuthUser) {
	const { organisations: orgs, teams: teamRows } = await placementChoices(db, actor);
	const courseRows = await db.select({ id: courses.id, title: courses.title }).from(courses).where(eq(courses.active, true)).orderBy(asc(courses.title));
	return { organisations: orgs, teams: teamRows, courses: courseRows };
}

export async function listRequirements(db: Db, actor: AuthUser) {
	const scope = manageableOrganisationIds(actor);
	const rows = await db
		.select({
			id: requirements.id,
			courseTitle: courses.title,
			organisationId: requirements.organisationId,
			organisationName: organisations.name,
			teamName: teams.name,
			audience: requirements.audience,
			dueWithinDays: requirements.dueWithinDays,
			renewalMonths: requirements.renewalMonths,
			validityMonths: courses.validityMonths,
			createdAt: requirements.createdAt
		})
		.from(requirements)
		.innerJoin(courses, eq(courses.id, requirements.courseId))
		.leftJoin(organisations, eq(organisations.id, requirements.organisationId))
		.leftJoin(teams, eq(teams.id, requirements.teamId))
		.where(isNull(requirements.retiredAt))
		.orderBy(asc(courses.title), asc(organisations.name));
	// Managers see the partnership-wide requirements that apply to their people, and their own.
	return scope === null ? rows : rows.filter((r) => r.organisationId === null || scope.includes(r.organisationId));
}

export async function createRequirement(db: Db, actor: AuthUser, raw: unknown, now = new Date()) {
	const input = parseInput(requirementSchema, raw);
	if (!input.organisationId && !actor.isAdmin) throw new ValidationError({ organisationId: 'Choose one of your organisations' });
	if (input.organisationId) assertCanManageOrganisation(actor, input.organisationId);
	if (input.teamId) {
		const [team] = await db.select().from(teams).where(eq(teams.id, input.teamId));
		if (!team || team.organisationId !== input.organisationId) throw new ValidationError({ teamId: 'Choose a team of the chosen organisation' });
	}
	const [course] = await db.select().from(courses).where(and(eq(courses.id, input.courseId), eq(courses.active, true)));
	if (!course) throw new ValidationError({ courseId: 'Choose a course from the list' });
	if (input.audience && !course.audiences.includes(input.audience)) throw new ValidationError({ audience: 'This course is not open to that audience' });
	const created = await db.transaction(async (tx) => {
		const [row] = await tx
			.insert(requirements)
			.values({ ...input, organisationId: input.organisationId ?? null, teamId: input.teamId ?? null, audience: input.audience ?? null, renewalMonths: input.renewalMonths ?? null, startsAt: now, createdBy: actor.id, createdAt: now })
			.returning({ id: requirements.id });
		await recordAudit(tx, { actorId: actor.id, action: 'requirement.created', targetType: 'requirement', targetId: row!.id, organisationId: input.organisationId ?? null, details: { ...input, courseTitle: course.title } }, now);
		return row!;
	});
	// After commit, so that no request in between caches what is about to change.
	trackingChanged();
	return created;
}

export async function retireRequirement(db: Db, actor: AuthUser, id: string, rawReason: unknown, now = new Date()) {
	const { reason } = parseInput(z.object({ reason: reasonField }), { reason: rawReason });
	const [row] = z.uuid().safeParse(id).success ? await db.select().from(requirements).where(eq(requirements.id, id)) : [];
	if (!row || row.retiredAt) throw new NotFoundError('We could not find that requirement.');
	if (row.organisationId) assertCanManageOrganisation(actor, row.organisationId);
	else if (!actor.isAdmin) throw new ForbiddenError('Only partnership admins can change partnership-wide requirements.');
	await db.transaction(async (tx) => {
		await tx.update(requirements).set({ retiredAt: now, retiredBy: actor.id }).where(eq(requirements.id, id));
		await recordAudit(tx, { actorId: actor.id, action: 'requirement.retired', targetType: 'requirement', targetId: id, organisationId: row.organisationId, reason }, now);
	});
	trackingChanged();
}

/** The dashboard scope for the actor, narrowed by optional filters the actor may use. */
export function dashboardScope(actor: AuthUser, filter: { organisationId?: string; teamId?: string; courseId?: string }): StatusScope {
	const allowed = manageableOrganisationIds(actor);
	let organisationIds = allowed;
	if (filter.organisationId) {
		if (allowed !== null && !allowed.includes(filter.organisationId)) throw new NotFoundError('We could not find that organisation.');
		organisationIds = [filter.organisationId];
	}
	return { organisationIds, teamId: filter.teamId, courseId: filter.courseId };
}

export const dashboardFilterSchema = z.object({
	organisationId: z.uuid().optional().catch(undefined),
	teamId: z.uuid().optional().catch(undefined),
	courseId: z.uuid().optional().catch(undefined),
	status: z.enum([...STATUSES, 'expiring-30', 'expiring-60', 'expiring-90']).optional().catch(undefined),
	page: z.coerce.number().int().min(1).max(100_000).catch(1)
});
export type DashboardFilter = z.output<typeof dashboardFilterSchema>;
export const DASHBOARD_PAGE_SIZE = 50;

export async function managerDashboard(db: Db, actor: AuthUser, filter: DashboardFilter, now?: Date) {
	const scope = dashboardScope(actor, filter);
	const compute = async (at: Date) => {
		const [figures, people] = await Promise.all([
			dashboardFigures(db, scope, at),
			peopleStatus(db, scope, at, { status: filter.status, limit: DASHBOARD_PAGE_SIZE, offset: (filter.page - 1) * DASHBOARD_PAGE_SIZE })
		]);
		return { figures, people, asOf: at };
	};
	// A given time (tests) bypasses the cache; live views share figures for a short while.
	return now ? compute(now) : cached(`manager:${JSON.stringify(scope)}:${filter.status ?? ''}:${filter.page}`, () => compute(new Date()));
}

/** Completions per month for the last 12 months, per organisation in scope. */
export async function monthlyCompletions(db: Db, actor: AuthUser, now = new Date()) {
	const scope = manageableOrganisationIds(actor);
	const orgFilter = scope === null ? sql`` : scope.length ? sql` and u.organisation_id in (${sql.join(scope.map((id) => sql`${id}::uuid`), sql`, `)})` : sql` and false`;
	const at = sql`${now.toISOString()}::timestamptz`;
	const result = await db.execute(sql`
		with months as (
			select generate_series(date_trunc('month', ${at} at time zone 'Europe/London') - interval '11 months', date_trunc('month', ${at} at time zone 'Europe/London'), interval '1 month') as month
		)
		select to_char(m.month, 'YYYY-MM') as month, count(cm.id)::int as completions
		from months m
		left join completions cm on date_trunc('month', cm.completed_at at time zone 'Europe/London') = m.month and cm.voided_at is null
			and exists (select 1 from users u where u.id = cm.user_id ${orgFilter})
		group by m.month order by m.month`);
	return rowsOf<{ month: string; completions: number }>(result).map((r) => ({ month: r.month, completions: Number(r.completions) }));
}

/** Every person-by-course row behind a dashboard with its filters, read in batches (for CSV). */
export async function* dashboardCsvRows(handle: DatabaseHandle, actor: AuthUser, filter: DashboardFilter, now = new Date()) {
	const scope = dashboardScope(actor, filter);
	for await (const batch of streamQuery<Record<string, unknown>>(handle, peopleStatusSql(scope, now, { status: filter.status }, false), 2000))
		yield batch.map(toPersonStatusRow);
}

/** A person's learning for the drill-down: status per required course, every completion, assignments. */
export async function personLearning(db: Db, actor: AuthUser, personId: string, now = new Date()) {
	const person = await getPerson(db, actor, personId);
	const statusResult = await db.execute(sql`
		with s as (${statusRows({ organisationIds: null, userId: personId }, now)})
		select s.course_id, c.title, s.status, s.due_at, s.completed_at, s.expires_at from s join courses c on c.id = s.course_id order by c.title`);
	const history = await db
		.select({
			id: completions.id,
			courseTitle: courses.title,
			completedAt: completions.completedAt,
			source: completions.source,
			scorePercent: completions.scorePercent,
			courseVersion: completions.courseVersion,
			evidence: completions.evidence,
			voidedAt: completions.voidedAt,
			voidReason: completions.voidReason,
			recordedByName: sql<string | null>`(select name from users r where r.id = ${completions.recordedBy})`
		})
		.from(completions)
		.innerJoin(courses, eq(courses.id, completions.courseId))
		.where(eq(completions.userId, personId))
		.orderBy(desc(completions.completedAt));
	const assigned = await db
		.select({ id: assignments.id, courseTitle: courses.title, dueAt: assignments.dueAt, createdAt: assignments.createdAt })
		.from(assignments)
		.innerJoin(courses, eq(courses.id, assignments.courseId))
		.where(and(eq(assignments.userId, personId), isNull(assignments.withdrawnAt)))
		.orderBy(asc(assignments.dueAt));
	const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
	return {
		person,
		statuses: rowsOf<Record<string, unknown>>(statusResult).map((r) => ({
			courseId: String(r.course_id),
			courseTitle: String(r.title),
			status: r.status as (typeof STATUSES)[number],
			dueAt: iso(r.due_at),
			completedAt: iso(r.completed_at),
			expiresAt: iso(r.expires_at)
		})),
		history,
		assignments: assigned
	};
}

const assignSchema = z.object({ courseId: uuidField('Choose a course'), dueAt: dateField('Enter the due date as a real date, for example 2027-03-31') });

export async function assignCourse(db: Db, actor: AuthUser, personId: string, raw: unknown, now = new Date()) {
	const person = await getPerson(db, actor, personId);
	const input = parseInput(assignSchema, raw);
	const [course] = await db.select().from(courses).where(and(eq(courses.id, input.courseId), eq(courses.active, true)));
	if (!course) throw new ValidationError({ courseId: 'Choose a course from the list' });
	if (!course.audiences.includes(person.audience)) throw new ValidationError({ courseId: 'This course is not open to this person’s audience' });
	await db.transaction(async (tx) => {
		const [row] = await tx.insert(assignments).values({ userId: personId, courseId: course.id, dueAt: input.dueAt, assignedBy: actor.id, createdAt: now }).returning({ id: assignments.id });
		await recordAudit(tx, { actorId: actor.id, action: 'assignment.created', targetType: 'person', targetId: personId, organisationId: person.organisationId, details: { assignmentId: row!.id, courseTitle: course.title, dueAt: input.dueAt.toISOString() } }, now);
	});
	trackingChanged();
}

export async function withdrawAssignment(db: Db, actor: AuthUser, personId: string, assignmentId: string, rawReason: unknown, now = new Date()) {
	const person = await getPerson(db, actor, personId);
	const { reason } = parseInput(z.object({ reason: reasonField }), { reason: rawReason });
	const [row] = z.uuid().safeParse(assignmentId).success ? await db.select().from(assignments).where(and(eq(assignments.id, assignmentId), eq(assignments.userId, personId))) : [];
	if (!row || row.withdrawnAt) throw new NotFoundError('We could not find that assignment.');
	await db.transaction(async (tx) => {
		await tx.update(assignments).set({ withdrawnAt: now, withdrawnBy: actor.id }).where(eq(assignments.id, assignmentId));
		await recordAudit(tx, { actorId: actor.id, action: 'assignment.withdrawn', targetType: 'person', targetId: personId, organisationId: person.organisationId, reason, details: { assignmentId } }, now);
	});
	trackingChanged();
}

const externalSchema = z.object({
	courseId: uuidField('Choose a course'),
	completedAt: dateField('Enter the date it was completed, for example 2026-05-14'),
	evidence: z.string({ error: 'Describe the evidence' }).trim().min(5, 'Describe the evidence, for example the session, trainer or certificate seen').max(MAX_LONG_TEXT, `Enter ${MAX_LONG_TEXT} characters or fewer`)
});

/**
 * Records a completion from outside the platform (a face-to-face session, another provider). It
 * counts like any other completion and runs the same completion hooks (certificates included).
 */
export async function recordExternalCompletion(db: Db, actor: AuthUser, personId: string, raw: unknown, now = new Date()) {
	const person = await getPerson(db, actor, personId);
	// Nobody but an admin vouches for their own training.
	if (personId === actor.id && !actor.isAdmin) throw new ForbiddenError('Ask another manager or an admin to record your own training.');
	const input = parseInput(externalSchema, raw);
	// A date, not a moment: today (in UK time) is allowed at any hour; the stored time is never later than now.
	if (input.completedAt.toISOString().slice(0, 10) > ukCalendarDate(now)) throw new ValidationError({ completedAt: 'The date cannot be in the future' });
	input.completedAt = new Date(Math.min(input.completedAt.getTime(), now.getTime()));
	const [course] = await db.select().from(courses).where(and(eq(courses.id, input.courseId), eq(courses.active, true)));
	if (!course) throw new ValidationError({ courseId: 'Choose a course from the list' });
	if (!course.audiences.includes(person.audience)) throw new ValidationError({ courseId: 'This course is not open to this person’s audience' });
	await db.transaction(async (tx) => {
		const [completion] = await tx
			.insert(completions)
			.values({ userId: personId, courseId: course.id, courseVersion: course.version, completedAt: input.completedAt, source: 'external', evidence: input.evidence, recordedBy: actor.id, createdAt: now })
			.returning();
		await recordAudit(tx, { actorId: actor.id, action: 'completion.recorded-external', targetType: 'person', targetId: personId, organisationId: person.organisationId, details: { completionId: completion!.id, courseTitle: course.title, completedAt: input.completedAt.toISOString(), evidence: input.evidence } }, now);
		await runCompletionHooks(tx, completion!);
	});
	trackingChanged();
}

/** Corrects a wrong completion by voiding it, with a reason; the record stays in the history. */
export async function voidCompletion(db: Db, actor: AuthUser, personId: string, completionId: string, rawReason: unknown, now = new Date()) {
	const person = await getPerson(db, actor, personId);
	const { reason } = parseInput(z.object({ reason: reasonField }), { reason: rawReason });
	const [row] = z.uuid().safeParse(completionId).success ? await db.select().from(completions).where(and(eq(completions.id, completionId), eq(completions.userId, personId))) : [];
	if (!row || row.voidedAt) throw new NotFoundError('We could not find that completion.');
	await db.transaction(async (tx) => {
		await tx.update(completions).set({ voidedAt: now, voidedBy: actor.id, voidReason: reason }).where(eq(completions.id, completionId));
		await recordAudit(tx, { actorId: actor.id, action: 'completion.corrected', targetType: 'person', targetId: personId, organisationId: person.organisationId, reason, details: { completionId, completedAt: row.completedAt.toISOString(), source: row.source } }, now);
	});
	trackingChanged();
}

