import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import {
	assignments,
	audiences,
	completions,
	courses,
	organisations,
	requirements,
	teams,
	type Audience
} from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import {
	assertAdmin,
	assertCanManageOrganisation,
	manageableOrganisationIds
} from '../auth/permissions.ts';
import { entriesAboutPerson, recordAudit, recordAudits } from '../audit/service.ts';
import { runCompletionHooks } from '../courses/completion.ts';
import {
	placementChoices,
	selectedPeople,
	visiblePersonRow,
	type PeopleFilter
} from '../people/service.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import {
	MAX_LONG_TEXT,
	dateKey,
	optionalUuid,
	parseInput,
	parseInputWithDates,
	parsedDateField,
	reasonField,
	uuidField
} from '../validation.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { streamQuery } from '../db/stream.ts';
import { formatIsoDate, orList } from '../../format.ts';
import { STATUSES, type StatusScope } from './status.ts';
import {
	dashboardFigures,
	monthlyCompletions as monthlyCompletionsQuery,
	activeCourses,
	approveCompletion,
	deleteRequirementRoute,
	insertRequirementRoutes,
	lastDriftCheck,
	obligationDrift,
	peopleStatus,
	peopleWithOpenAssignment,
	peopleStatusSql,
	personLearningRow,
	refreshObligations,
	requirementCoverage as requirementCoverageQuery,
	routesOfRequirements,
	toPersonStatusRow
} from './queries.ts';

export const requirementSchema = z.object({
	courseId: uuidField('Choose a course'),
	organisationId: optionalUuid,
	teamId: optionalUuid,
	audience: z
		.enum(['', ...audiences], { error: 'Choose who it applies to' })
		.optional()
		.transform((v) => (v ? v : undefined)),
	dueWithinDays: z.coerce
		.number({ error: 'Enter a number of days' })
		.int('Enter a whole number of days')
		.min(0, 'Enter 0 or more days')
		.max(3650, 'Enter 3650 days or fewer'),
	renewalMonths: z
		.string()
		.trim()
		.optional()
		.transform((v) => (v ? Number(v) : undefined))
		.pipe(
			z
				.number({ error: 'Enter a number of months' })
				.int('Enter a whole number of months')
				.min(0)
				.max(240, 'Enter 240 months or fewer')
				.optional()
		),
	/** Further courses that meet the requirement (checkboxes: absent, one value or several). */
	alternativeCourseIds: z
		.union([z.string(), z.array(z.string())])
		.optional()
		.transform((v) => [...new Set((v === undefined ? [] : [v].flat()).filter(Boolean))])
		.pipe(
			z
				.array(z.uuid('Choose the other courses from the list'))
				.max(20, 'Choose 20 other courses or fewer')
		),
	externalNeedsApproval: z
		.unknown()
		.optional()
		.transform((v) => v === 'yes')
});
type RequirementInput = z.output<typeof requirementSchema>;

/** The organisations, teams and courses a person may set requirements and filter dashboards by. */
export async function trackingChoices(db: Db, actor: AuthUser) {
	const [{ organisations: orgs, teams: teamRows }, courseRows] = await Promise.all([
		placementChoices(db, actor),
		activeCourses(db)
	]);
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
			externalNeedsApproval: requirements.externalNeedsApproval,
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
	const visible =
		scope === null
			? rows
			: rows.filter((r) => r.organisationId === null || scope.includes(r.organisationId));
	const routes = await routesOfRequirements(
		db,
		visible.map((r) => r.id)
	);
	return visible.map((r) => {
		const alternatives = routes.get(r.id) ?? [];
		return {
			...r,
			alternatives,
			/** "Met by: A, B or C": the requirement's own course first. */
			metBy: orList([r.courseTitle, ...alternatives.map((a) => a.title)]),
			/** Whether the actor may change it (remove it, change its routes). */
			canChange: scope === null || r.organisationId !== null
		};
	});
}

/**
 * The checks a requirement's settings pass before it is saved or its coverage counted: the actor
 * may set it for that organisation, the team belongs to it, and every course is active and open
 * to the audience chosen. Returns the courses, its own first.
 */
async function checkRequirementInput(db: Db, actor: AuthUser, input: RequirementInput) {
	if (!input.organisationId && !actor.isAdmin)
		throw new ValidationError({ organisationId: 'Choose one of your organisations' });
	if (input.organisationId) assertCanManageOrganisation(actor, input.organisationId);
	if (input.teamId) {
		const [team] = await db.select().from(teams).where(eq(teams.id, input.teamId));
		if (!team || team.organisationId !== input.organisationId)
			throw new ValidationError({ teamId: 'Choose a team of the chosen organisation' });
	}
	const course = await activeCourse(db, input.courseId);
	if (input.audience && !course.audiences.includes(input.audience))
		throw new ValidationError({ audience: 'This course is not open to that audience' });
	const alternatives = await alternativeCourses(
		db,
		course.id,
		input.alternativeCourseIds,
		input.audience ?? null,
		'alternativeCourseIds'
	);
	return { course, alternatives };
}

/** The further courses chosen for a requirement, each active, not its own, open to its audience. */
async function alternativeCourses(
	db: Db,
	ownCourseId: string,
	courseIds: readonly string[],
	audience: Audience | null,
	field: string
) {
	if (courseIds.includes(ownCourseId))
		throw new ValidationError({
			[field]: 'The requirement’s own course already meets it: choose other courses'
		});
	if (!courseIds.length) return [];
	const rows = await db
		.select()
		.from(courses)
		.where(and(inArray(courses.id, [...courseIds]), eq(courses.active, true)));
	if (rows.length !== courseIds.length)
		throw new ValidationError({ [field]: 'Choose the other courses from the list' });
	const closed = rows.find((c) => audience && !c.audiences.includes(audience));
	if (closed)
		throw new ValidationError({
			[field]: `${closed.title} is not open to the audience this requirement applies to`
		});
	return rows;
}

/**
 * "Check who this covers", before saving: how many people a requirement with these settings would
 * apply to today and how many of them have already completed one of its courses.
 */
export async function checkRequirementCoverage(
	db: Db,
	actor: AuthUser,
	raw: unknown,
	now = new Date()
) {
	const input = parseInput(requirementSchema, raw);
	const { course, alternatives } = await checkRequirementInput(db, actor, input);
	const coverage = await requirementCoverageQuery(
		db,
		{
			organisationId: input.organisationId ?? null,
			teamId: input.teamId ?? null,
			audience: input.audience ?? null,
			courseIds: [course.id, ...alternatives.map((c) => c.id)],
			renewalMonths: input.renewalMonths ?? course.validityMonths,
			externalNeedsApproval: input.externalNeedsApproval
		},
		now
	);
	return {
		...coverage,
		metBy: orList([course.title, ...alternatives.map((c) => c.title)])
	};
}

export async function createRequirement(db: Db, actor: AuthUser, raw: unknown, now = new Date()) {
	const input = parseInput(requirementSchema, raw);
	const { course, alternatives } = await checkRequirementInput(db, actor, input);
	const { alternativeCourseIds, ...columns } = input;
	const created = await db.transaction(async (tx) => {
		const [row] = await tx
			.insert(requirements)
			.values({
				...columns,
				organisationId: input.organisationId ?? null,
				teamId: input.teamId ?? null,
				audience: input.audience ?? null,
				renewalMonths: input.renewalMonths ?? null,
				startsAt: now,
				createdBy: actor.id,
				createdAt: now
			})
			.returning({ id: requirements.id });
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'requirement.created',
				targetType: 'requirement',
				targetId: row!.id,
				organisationId: input.organisationId ?? null,
				details: {
					...input,
					courseTitle: course.title,
					alternativeCourseTitles: alternatives.map((c) => c.title)
				}
			},
			now
		);
		await insertRequirementRoutes(tx, row!.id, alternativeCourseIds, actor.id, now);
		await refreshObligations(tx, { courseId: course.id }, now);
		return row!;
	});
	return created;
}

export async function retireRequirement(
	db: Db,
	actor: AuthUser,
	id: string,
	rawReason: unknown,
	now = new Date()
) {
	const { reason } = parseInput(z.object({ reason: reasonField }), { reason: rawReason });
	const row = await changeableRequirement(db, actor, id);
	await db.transaction(async (tx) => {
		await tx
			.update(requirements)
			.set({ retiredAt: now, retiredBy: actor.id })
			.where(eq(requirements.id, id));
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'requirement.retired',
				targetType: 'requirement',
				targetId: id,
				organisationId: row.organisationId,
				reason
			},
			now
		);
		await refreshObligations(tx, { courseId: row.courseId }, now);
	});
}

/** A requirement in force that the actor may change: their organisation's, or any for an admin. */
async function changeableRequirement(db: Db, actor: AuthUser, id: string) {
	const [row] = z.uuid().safeParse(id).success
		? await db.select().from(requirements).where(eq(requirements.id, id))
		: [];
	if (!row || row.retiredAt) throw new NotFoundError('We could not find that requirement.');
	if (row.organisationId) assertCanManageOrganisation(actor, row.organisationId);
	else if (!actor.isAdmin)
		throw new ForbiddenError('Only partnership admins can change partnership-wide requirements.');
	return row;
}

const addRouteSchema = z.object({
	requirementId: uuidField('Choose a requirement'),
	routeCourseId: uuidField('Choose the course that also meets it')
});

/**
 * Adds another course that meets a requirement: from now on a completion of it counts for
 * everyone the requirement covers, including completions made before.
 */
export async function addRequirementRoute(db: Db, actor: AuthUser, raw: unknown, now = new Date()) {
	const input = parseInput(addRouteSchema, raw);
	const row = await changeableRequirement(db, actor, input.requirementId).catch((e: unknown) => {
		if (e instanceof NotFoundError)
			throw new ValidationError({ requirementId: 'Choose a requirement from the list' });
		throw e;
	});
	const [course] = await alternativeCourses(
		db,
		row.courseId,
		[input.routeCourseId],
		row.audience,
		'routeCourseId'
	);
	await db.transaction(async (tx) => {
		const added = await insertRequirementRoutes(tx, row.id, [course!.id], actor.id, now);
		if (!added.length)
			throw new ValidationError({
				routeCourseId: `${course!.title} already meets this requirement`
			});
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'requirement.route-added',
				targetType: 'requirement',
				targetId: row.id,
				organisationId: row.organisationId,
				details: { courseId: course!.id, courseTitle: course!.title }
			},
			now
		);
		await refreshObligations(tx, { courseId: row.courseId }, now);
	});
	return { courseTitle: course!.title };
}

/** Takes a course off a requirement's routes, with a reason: its completions no longer count for it. */
export async function removeRequirementRoute(
	db: Db,
	actor: AuthUser,
	rawRoute: unknown,
	rawReason: unknown,
	now = new Date()
) {
	const { route, reason } = parseInput(
		z.object({
			route: z
				.string({ error: 'Choose a course to take off a requirement' })
				.regex(/^[0-9a-f-]{36}:[0-9a-f-]{36}$/i, 'Choose a course to take off a requirement'),
			reason: reasonField
		}),
		{ route: rawRoute, reason: rawReason }
	);
	const [requirementId, courseId] = route.split(':') as [string, string];
	const row = await changeableRequirement(db, actor, requirementId);
	await db.transaction(async (tx) => {
		if (
			!z.uuid().safeParse(courseId).success ||
			!(await deleteRequirementRoute(tx, row.id, courseId))
		)
			throw new ValidationError({ route: 'Choose a course to take off a requirement' });
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'requirement.route-removed',
				targetType: 'requirement',
				targetId: row.id,
				organisationId: row.organisationId,
				reason,
				details: { courseId }
			},
			now
		);
		await refreshObligations(tx, { courseId: row.courseId }, now);
	});
}

/** The dashboard scope for the actor, narrowed by optional filters the actor may use. */
export function dashboardScope(
	actor: AuthUser,
	filter: { organisationId?: string; teamId?: string; courseId?: string }
): StatusScope {
	const allowed = manageableOrganisationIds(actor);
	let organisationIds = allowed;
	if (filter.organisationId) {
		if (allowed !== null && !allowed.includes(filter.organisationId))
			throw new NotFoundError('We could not find that organisation.');
		organisationIds = [filter.organisationId];
	}
	return { organisationIds, teamId: filter.teamId, courseId: filter.courseId };
}

export const dashboardFilterSchema = z.object({
	organisationId: z.uuid().optional().catch(undefined),
	teamId: z.uuid().optional().catch(undefined),
	courseId: z.uuid().optional().catch(undefined),
	status: z
		.enum([...STATUSES, 'expiring-30', 'expiring-60', 'expiring-90'])
		.optional()
		.catch(undefined),
	page: z.coerce.number().int().min(1).max(100_000).catch(1),
	sort: z.enum(['due', 'due-desc']).optional().catch(undefined)
});
export type DashboardFilter = z.output<typeof dashboardFilterSchema>;
export const DASHBOARD_PAGE_SIZE = 50;

/** Read from the stored obligations on every request: a change anywhere shows on the next load. */
export async function managerDashboard(
	db: Db,
	actor: AuthUser,
	filter: DashboardFilter,
	now = new Date()
) {
	const scope = dashboardScope(actor, filter);
	const figures = await dashboardFigures(db, scope, now);
	const people = await peopleStatus(
		db,
		scope,
		now,
		{
			status: filter.status,
			sort: filter.sort,
			limit: DASHBOARD_PAGE_SIZE,
			offset: (filter.page - 1) * DASHBOARD_PAGE_SIZE
		},
		figures.listSizes[filter.status ?? 'all']
	);
	return { figures, people, asOf: now };
}

/** Completions per month for the last 12 months, per organisation in scope. */
export async function monthlyCompletions(db: Db, actor: AuthUser, now = new Date()) {
	return monthlyCompletionsQuery(db, manageableOrganisationIds(actor), now);
}

/** Every person-by-course row behind a dashboard with its filters, read in batches (for CSV). */
export async function* dashboardCsvRows(
	handle: DatabaseHandle,
	actor: AuthUser,
	filter: DashboardFilter,
	now = new Date()
) {
	const scope = dashboardScope(actor, filter);
	for await (const batch of streamQuery<Record<string, unknown>>(
		handle,
		peopleStatusSql(scope, now, { status: filter.status }, false),
		2000
	))
		yield batch.map(toPersonStatusRow);
}

/**
 * A person's learning for the drill-down: status per required course, every completion,
 * assignments, and how their invitation went if they have not signed in yet. One query reads it
 * all and decides whether the actor may see the person; their audit history is read beside it
 * (and dropped, unread by anyone, when the person is not theirs to see).
 */
export async function personLearning(db: Db, actor: AuthUser, personId: string, now = new Date()) {
	if (!z.uuid().safeParse(personId).success)
		throw new NotFoundError('We could not find that person.');
	const [learning, audit] = await Promise.all([
		personLearningRow(db, personId, manageableOrganisationIds(actor), now),
		entriesAboutPerson(db, personId)
	]);
	if (!learning) throw new NotFoundError('We could not find that person.');
	return { ...learning, person: { ...learning.person, history: audit } };
}

const assignSchema = z.object({
	courseId: uuidField('Choose a course'),
	dueAt: parsedDateField
});
/** The course a form chose, if it is still offered. */
async function activeCourse(db: Db, courseId: string) {
	const [course] = await db
		.select()
		.from(courses)
		.where(and(eq(courses.id, courseId), eq(courses.active, true)));
	if (!course) throw new ValidationError({ courseId: 'Choose a course from the list' });
	return course;
}

const ASSIGN_DATES = { dueAt: { label: 'Due date' } };
const formObject = (raw: unknown): Record<string, unknown> =>
	raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};

export async function assignCourse(
	db: Db,
	actor: AuthUser,
	personId: string,
	raw: unknown,
	now = new Date()
) {
	const person = await visiblePersonRow(db, actor, personId);
	const input = parseInputWithDates(assignSchema, formObject(raw), ASSIGN_DATES);
	const course = await activeCourse(db, input.courseId);
	if (!course.audiences.includes(person.audience))
		throw new ValidationError({ courseId: 'This course is not open to this person’s audience' });
	await db.transaction(async (tx) => {
		const [row] = await tx
			.insert(assignments)
			.values({
				userId: personId,
				courseId: course.id,
				dueAt: input.dueAt,
				assignedBy: actor.id,
				createdAt: now
			})
			.returning({ id: assignments.id });
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'assignment.created',
				targetType: 'person',
				targetId: personId,
				organisationId: person.organisationId,
				details: {
					assignmentId: row!.id,
					courseTitle: course.title,
					dueAt: input.dueAt.toISOString()
				}
			},
			now
		);
		await refreshObligations(tx, { userId: personId, courseId: course.id }, now);
	});
}

const bulkAssignSchema = assignSchema.extend({
	who: z.enum(['ticked', 'everyone'], { error: 'Choose who to assign the course to' }),
	personId: z
		.union([z.string(), z.array(z.string())])
		.optional()
		.transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
});

export interface BulkAssignResult {
	courseTitle: string;
	assigned: number;
	alreadyAssigned: number;
	/** The course is not open to their audience. */
	notOpen: number;
	/** Deactivated accounts get no new training. */
	notActive: number;
}

/**
 * Assigns one course, due on one date, to the people ticked on the people list or to everyone
 * matching its filter, within the actor's organisations (the people service refuses others).
 * People who already have it assigned are counted, not assigned twice. One audit entry per
 * assignment, all in one transaction.
 */
export async function bulkAssignCourse(
	db: Db,
	actor: AuthUser,
	raw: unknown,
	filter: PeopleFilter,
	now = new Date()
): Promise<BulkAssignResult> {
	const form = formObject(raw);
	// Every problem at once: nobody chosen as well as the course's and the date's.
	const nobody: Record<string, string> =
		form.who === 'ticked' && !form.personId
			? { who: 'Tick at least one person, or choose everyone matching the filters' }
			: {};
	let input: z.output<typeof bulkAssignSchema>;
	try {
		input = parseInputWithDates(bulkAssignSchema, form, ASSIGN_DATES);
	} catch (e) {
		if (e instanceof ValidationError) throw new ValidationError({ ...nobody, ...e.fieldErrors });
		throw e;
	}
	if (Object.keys(nobody).length) throw new ValidationError(nobody);
	const course = await activeCourse(db, input.courseId);
	const people = await selectedPeople(
		db,
		actor,
		input.who === 'ticked' ? { ids: input.personId } : { filter }
	);
	const active = people.filter((p) => p.status === 'active');
	const open = active.filter((p) => course.audiences.includes(p.audience));
	const already = await peopleWithOpenAssignment(
		db,
		course.id,
		open.map((p) => p.id)
	);
	const toAssign = open.filter((p) => !already.has(p.id));
	if (toAssign.length)
		await db.transaction(async (tx) => {
			const rows: { id: string; userId: string }[] = [];
			for (let i = 0; i < toAssign.length; i += 1000)
				rows.push(
					...(await tx
						.insert(assignments)
						.values(
							toAssign.slice(i, i + 1000).map((p) => ({
								userId: p.id,
								courseId: course.id,
								dueAt: input.dueAt,
								assignedBy: actor.id,
								createdAt: now
							}))
						)
						.returning({ id: assignments.id, userId: assignments.userId }))
				);
			const organisationOf = new Map(toAssign.map((p) => [p.id, p.organisationId]));
			await recordAudits(
				tx,
				rows.map((row) => ({
					actorId: actor.id,
					action: 'assignment.created',
					targetType: 'person',
					targetId: row.userId,
					organisationId: organisationOf.get(row.userId) ?? null,
					details: {
						assignmentId: row.id,
						courseTitle: course.title,
						dueAt: input.dueAt.toISOString(),
						bulk: true
					}
				})),
				now
			);
			await refreshObligations(tx, { courseId: course.id }, now);
		});
	return {
		courseTitle: course.title,
		assigned: toAssign.length,
		alreadyAssigned: already.size,
		notOpen: active.length - open.length,
		notActive: people.length - active.length
	};
}

export async function withdrawAssignment(
	db: Db,
	actor: AuthUser,
	personId: string,
	assignmentId: string,
	rawReason: unknown,
	now = new Date()
) {
	const person = await visiblePersonRow(db, actor, personId);
	const { reason } = parseInput(z.object({ reason: reasonField }), { reason: rawReason });
	const [row] = z.uuid().safeParse(assignmentId).success
		? await db
				.select()
				.from(assignments)
				.where(and(eq(assignments.id, assignmentId), eq(assignments.userId, personId)))
		: [];
	if (!row || row.withdrawnAt) throw new NotFoundError('We could not find that assignment.');
	await db.transaction(async (tx) => {
		await tx
			.update(assignments)
			.set({ withdrawnAt: now, withdrawnBy: actor.id })
			.where(eq(assignments.id, assignmentId));
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'assignment.withdrawn',
				targetType: 'person',
				targetId: personId,
				organisationId: person.organisationId,
				reason,
				details: { assignmentId }
			},
			now
		);
		await refreshObligations(tx, { userId: personId, courseId: row.courseId }, now);
	});
}

const externalSchema = z.object({
	courseId: uuidField('Choose a course'),
	completedAt: parsedDateField,
	evidence: z
		.string({ error: 'Describe the evidence' })
		.trim()
		.min(5, 'Describe the evidence, for example the session, trainer or certificate seen')
		.max(MAX_LONG_TEXT, `Enter ${MAX_LONG_TEXT} characters or fewer`)
});

/**
 * Records a completion from outside the platform (a face-to-face session, another provider). It
 * counts like any other completion and runs the same completion hooks (certificates included).
 */
export async function recordExternalCompletion(
	db: Db,
	actor: AuthUser,
	personId: string,
	raw: unknown,
	now = new Date()
) {
	const person = await visiblePersonRow(db, actor, personId);
	// Nobody but an admin vouches for their own training.
	if (personId === actor.id && !actor.isAdmin)
		throw new ForbiddenError('Ask another manager or an admin to record your own training.');
	const input = parseInputWithDates(externalSchema, formObject(raw), {
		completedAt: { label: 'Date completed' }
	});
	// A date, not a moment: today (in UK time) is allowed at any hour; the stored time is never later than now.
	if (input.completedAt.toISOString().slice(0, 10) > formatIsoDate(now))
		throw new ValidationError({
			[dateKey('completedAt')]: 'Date completed must be today or in the past'
		});
	input.completedAt = new Date(Math.min(input.completedAt.getTime(), now.getTime()));
	const course = await activeCourse(db, input.courseId);
	if (!course.audiences.includes(person.audience))
		throw new ValidationError({ courseId: 'This course is not open to this person’s audience' });
	await db.transaction(async (tx) => {
		const [completion] = await tx
			.insert(completions)
			.values({
				userId: personId,
				courseId: course.id,
				courseVersion: course.version,
				completedAt: input.completedAt,
				source: 'external',
				evidence: input.evidence,
				recordedBy: actor.id,
				// A partnership admin vouches for what they record; a manager's record waits for one.
				...(actor.isAdmin ? { approvedAt: now, approvedBy: actor.id } : {}),
				createdAt: now
			})
			.returning();
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'completion.recorded-external',
				targetType: 'person',
				targetId: personId,
				organisationId: person.organisationId,
				details: {
					completionId: completion!.id,
					courseTitle: course.title,
					completedAt: input.completedAt.toISOString(),
					evidence: input.evidence
				}
			},
			now
		);
		await runCompletionHooks(tx, completion!);
	});
}

/**
 * Partnership admins only: approves training recorded from elsewhere as equivalent to its course,
 * so it also counts for requirements that ask for approval. Who and when are kept on the record.
 */
export async function approveExternalCompletion(
	db: Db,
	actor: AuthUser,
	personId: string,
	completionId: string,
	now = new Date()
) {
	assertAdmin(actor);
	const person = await visiblePersonRow(db, actor, personId);
	const [row] = z.uuid().safeParse(completionId).success
		? await db
				.select()
				.from(completions)
				.where(and(eq(completions.id, completionId), eq(completions.userId, personId)))
		: [];
	if (!row || row.voidedAt || row.source !== 'external')
		throw new NotFoundError('We could not find that training record.');
	await db.transaction(async (tx) => {
		if (!(await approveCompletion(tx, row.id, actor.id, now)))
			throw new ConflictError('This training record has already been approved.');
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'completion.approved-external',
				targetType: 'person',
				targetId: personId,
				organisationId: person.organisationId,
				details: { completionId: row.id, completedAt: row.completedAt.toISOString() }
			},
			now
		);
		await refreshObligations(tx, { userId: personId, metByCourseId: row.courseId }, now);
	});
}

/** Corrects a wrong completion by voiding it, with a reason; the record stays in the history. */
export async function voidCompletion(
	db: Db,
	actor: AuthUser,
	personId: string,
	completionId: string,
	rawReason: unknown,
	now = new Date()
) {
	const person = await visiblePersonRow(db, actor, personId);
	const { reason } = parseInput(z.object({ reason: reasonField }), { reason: rawReason });
	const [row] = z.uuid().safeParse(completionId).success
		? await db
				.select()
				.from(completions)
				.where(and(eq(completions.id, completionId), eq(completions.userId, personId)))
		: [];
	if (!row || row.voidedAt) throw new NotFoundError('We could not find that completion.');
	await db.transaction(async (tx) => {
		await tx
			.update(completions)
			.set({ voidedAt: now, voidedBy: actor.id, voidReason: reason })
			.where(eq(completions.id, completionId));
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'completion.corrected',
				targetType: 'person',
				targetId: personId,
				organisationId: person.organisationId,
				reason,
				details: { completionId, completedAt: row.completedAt.toISOString(), source: row.source }
			},
			now
		);
		await refreshObligations(tx, { userId: personId, metByCourseId: row.courseId }, now);
	});
}

/**
 * Admins only: recomputes every obligation from requirements, assignments and completions and
 * reports any difference from the stored rows (there should be none). Read-only; audited.
 */
export async function runDriftCheck(db: Db, actor: AuthUser, now = new Date()) {
	assertAdmin(actor);
	const started = performance.now();
	const report = await obligationDrift(db);
	const ms = Math.round(performance.now() - started);
	await recordAudit(
		db,
		{
			actorId: actor.id,
			action: 'tracking.drift-checked',
			targetType: 'obligations',
			targetId: null,
			organisationId: null,
			details: {
				checked: report.checked,
				drift: report.drift,
				missing: report.missing,
				extra: report.extra,
				different: report.different,
				ms
			}
		},
		now
	);
	return { ...report, ms, at: now };
}

/** What the drift check page shows before a run: when it last ran and what it found. */
export async function driftCheckPage(db: Db, actor: AuthUser) {
	assertAdmin(actor);
	return { last: await lastDriftCheck(db) };
}
