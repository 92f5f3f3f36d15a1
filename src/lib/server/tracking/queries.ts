import { and, asc, desc, eq, inArray, isNull, sql, type Placeholder, type SQL } from 'drizzle-orm';
import {
	assignments,
	auditLog,
	completions,
	courses,
	organisations,
	requirementRoutes,
	teams,
	users
} from '../db/schema.ts';
import type { Audience, CompletionSource, UserStatus } from '../db/schema.ts';
import type { EmailState } from '../email/mailer.ts';
import type { Db } from '../db/types.ts';
import { jsonColumn, rowsOf } from '../db/migrate.ts';
import { uuidList } from '../db/uuid-list.ts';
import { arrayLiteral, preparedPerDb, preparedSql, preparedSqlShapes } from '../db/prepared.ts';
import {
	DUE_SOON_DAYS,
	RENEWAL_WINDOW_DAYS,
	type StatusScope,
	type TrackingStatus
} from './status.ts';

/**
 * Tracking's SQL. Obligations (one row per person and required course) are stored in the
 * `obligations` table and kept true by `refreshObligations`, which every change that affects them
 * calls inside its own transaction. Status is then a comparison of the stored dates with now.
 * These functions take a database or a transaction and make no permission decisions.
 */

/** What a change touches: one person, one course, one person's one course, or (empty) everyone. */
export interface ObligationScope {
	userId?: string;
	/** obligations for this course (a requirement's own course or an assignment's) */
	courseId?: string;
	/**
	 * obligations a completion or start of this course can meet: the course's own and those of the
	 * requirements it is another route to (for a completion, a correction or an approval)
	 */
	metByCourseId?: string;
}

/** The courses whose obligations `courseId` can meet: itself, and the requirements it is a route to. */
const coursesMetBySql = (courseId: string) =>
	sql`(select ${courseId}::uuid union select r.course_id from requirement_routes rr join requirements r on r.id = rr.requirement_id where rr.course_id = ${courseId}::uuid)`;

/**
 * The obligations from first principles, for a scope:
 * - from each requirement matching the person (organisation, team, audience; null matches anyone)
 *   and from each individual assignment not withdrawn, of active people and active courses;
 * - several for the same course merge: the earliest due date and the shortest renewal period win;
 * - due date of a requirement: `due_within_days` after the later of joining and the requirement starting;
 * - routes: a completion of the obligation's course, or of any further course a requirement behind
 *   it lists in `requirement_routes`, meets it (several requirements: any of their routes);
 * - the latest such completion not voided counts until `renewal_months` after it (0 = never
 *   expires), except training recorded from elsewhere not yet approved by an admin when a
 *   requirement behind the obligation asks for approval (the strictest requirement wins, as with
 *   due dates and renewal);
 * - started: the person has opened the course or any of its routes.
 */
export function derivedObligationsSql(scope: ObligationScope): SQL {
	const userFilter = scope.userId ? sql` and u.id = ${scope.userId}::uuid` : sql``;
	const courseFilter = scope.courseId
		? sql` and c.id = ${scope.courseId}::uuid`
		: scope.metByCourseId
			? sql` and c.id in ${coursesMetBySql(scope.metByCourseId)}`
			: sql``;
	return sql`
		with people as (
			select u.id, u.organisation_id, u.team_id, u.audience, u.created_at from users u where u.status = 'active' ${userFilter}
		),
		live_requirements as materialized (
			select r.*, exists (select 1 from requirement_routes rr where rr.requirement_id = r.id) as has_routes
			from requirements r where r.retired_at is null
		),
		sources as (
			select p.id as user_id, p.organisation_id, p.team_id, r.course_id,
				greatest(p.created_at, r.starts_at) + make_interval(days => r.due_within_days) as due_at,
				coalesce(r.renewal_months, c.validity_months) as renewal_months, r.id as requirement_id, null::uuid as assignment_id,
				r.has_routes, r.external_needs_approval
			from live_requirements r
			join courses c on c.id = r.course_id and c.active ${courseFilter}
			join people p on (r.organisation_id is null or r.organisation_id = p.organisation_id)
				and (r.team_id is null or r.team_id = p.team_id)
				and (r.audience is null or r.audience = p.audience)
			union all
			select p.id, p.organisation_id, p.team_id, a.course_id, a.due_at, c.validity_months, null, a.id, false, false
			from assignments a
			join people p on p.id = a.user_id
			join courses c on c.id = a.course_id and c.active ${courseFilter}
			where a.withdrawn_at is null
		),
		merged as (
			select user_id, organisation_id, team_id, course_id, min(due_at) as due_at,
				coalesce(min(nullif(renewal_months, 0)), 0) as renewal_months,
				coalesce(array_agg(requirement_id order by requirement_id) filter (where requirement_id is not null), '{}') as requirement_ids,
				coalesce(array_agg(assignment_id order by assignment_id) filter (where assignment_id is not null), '{}') as assignment_ids,
				bool_or(has_routes) as has_routes, bool_or(external_needs_approval) as needs_approval
			from sources group by user_id, organisation_id, team_id, course_id
		),
		routed as (
			-- The routes are looked up only for obligations whose requirements have any.
			select m.*, case when m.has_routes then m.course_id || array(
				select distinct rr.course_id from requirement_routes rr where rr.requirement_id = any(m.requirement_ids) and rr.course_id <> m.course_id
			) else array[m.course_id] end as route_course_ids
			from merged m
		)
		select m.user_id, m.course_id, m.organisation_id, m.team_id, m.due_at, m.renewal_months,
			l.id as completion_id, l.completed_at,
			case when l.completed_at is not null and m.renewal_months > 0 then l.completed_at + make_interval(months => m.renewal_months) end as expires_at,
			exists (select 1 from course_progress cp where cp.user_id = m.user_id and cp.course_id = any(m.route_course_ids)) as started,
			m.requirement_ids, m.assignment_ids
		from routed m
		left join lateral (
			select cm.id, cm.completed_at from completions cm
			where cm.user_id = m.user_id and cm.course_id = any(m.route_course_ids) and cm.voided_at is null
				and (cm.source <> 'external' or cm.approved_at is not null or not m.needs_approval)
			order by cm.completed_at desc, cm.id desc limit 1
		) l on true`;
}

/** Advisory lock keys: one shared by every person-scoped refresh, taken alone by the wider ones. */
const TRACKING_LOCK = 7_245_013;

/**
 * Recomputes the stored obligations within a scope and writes what changed, in the caller's
 * transaction (call it after the change, before commit). Person-scoped refreshes serialise per
 * person; course-wide and full refreshes wait for them and hold them off, so two concurrent
 * changes never leave a row computed from a snapshot missing the other's change.
 */
export async function refreshObligations(
	tx: Db,
	scope: ObligationScope,
	now = new Date()
): Promise<void> {
	if (scope.userId) {
		await tx.execute(
			sql`select pg_advisory_xact_lock_shared(${TRACKING_LOCK}), pg_advisory_xact_lock(${TRACKING_LOCK}, hashtext(${scope.userId}))`
		);
	} else {
		await tx.execute(sql`select pg_advisory_xact_lock(${TRACKING_LOCK})`);
	}
	const storedScope = sql.join(
		[
			sql`true`,
			...(scope.userId ? [sql`o.user_id = ${scope.userId}::uuid`] : []),
			...(scope.courseId ? [sql`o.course_id = ${scope.courseId}::uuid`] : []),
			...(scope.metByCourseId ? [sql`o.course_id in ${coursesMetBySql(scope.metByCourseId)}`] : [])
		],
		sql` and `
	);
	const at = sql`${now.toISOString()}::timestamptz`;
	await tx.execute(sql`
		with fresh as (${derivedObligationsSql(scope)}),
		removed as (
			delete from obligations o where ${storedScope}
			and not exists (select 1 from fresh f where f.user_id = o.user_id and f.course_id = o.course_id)
		)
		insert into obligations (user_id, course_id, organisation_id, team_id, due_at, renewal_months, completion_id, completed_at, expires_at, started, requirement_ids, assignment_ids, updated_at)
		select user_id, course_id, organisation_id, team_id, due_at, renewal_months, completion_id, completed_at, expires_at, started, requirement_ids, assignment_ids, ${at} from fresh
		on conflict (user_id, course_id) do update set
			organisation_id = excluded.organisation_id, team_id = excluded.team_id, due_at = excluded.due_at,
			renewal_months = excluded.renewal_months, completion_id = excluded.completion_id, completed_at = excluded.completed_at,
			expires_at = excluded.expires_at, started = excluded.started, requirement_ids = excluded.requirement_ids,
			assignment_ids = excluded.assignment_ids, updated_at = excluded.updated_at
		where (obligations.organisation_id, obligations.team_id, obligations.due_at, obligations.renewal_months, obligations.completion_id,
				obligations.completed_at, obligations.expires_at, obligations.started, obligations.requirement_ids, obligations.assignment_ids)
			is distinct from (excluded.organisation_id, excluded.team_id, excluded.due_at, excluded.renewal_months, excluded.completion_id,
				excluded.completed_at, excluded.expires_at, excluded.started, excluded.requirement_ids, excluded.assignment_ids)`);
}

/**
 * Marks a person's course as started (the first lesson or launch), in the caller's transaction:
 * its own obligation, and those of the requirements behind an obligation that it is a route to.
 */
export async function markStarted(tx: Db, userId: string, courseId: string): Promise<void> {
	await tx.execute(
		sql`select pg_advisory_xact_lock_shared(${TRACKING_LOCK}), pg_advisory_xact_lock(${TRACKING_LOCK}, hashtext(${userId}))`
	);
	await tx.execute(
		sql`update obligations o set started = true where o.user_id = ${userId}::uuid and not o.started
			and (o.course_id = ${courseId}::uuid or exists (
				select 1 from requirement_routes rr where rr.course_id = ${courseId}::uuid and rr.requirement_id = any(o.requirement_ids)))`
	);
}

export interface DriftRow {
	userId: string;
	courseId: string;
	kind: 'missing' | 'extra' | 'different';
	stored: Record<string, unknown> | null;
	derived: Record<string, unknown> | null;
}
export interface DriftReport {
	checked: number;
	stored: number;
	drift: number;
	missing: number;
	extra: number;
	different: number;
	/** dashboard tallies (per group and month) that do not add up to the stored rows */
	tallies: number;
	examples: DriftRow[];
}

/** Recomputes every obligation from first principles and compares it with the stored rows. */
export async function obligationDrift(db: Db, exampleLimit = 20): Promise<DriftReport> {
	const cols = [
		'organisation_id',
		'team_id',
		'due_at',
		'renewal_months',
		'completion_id',
		'completed_at',
		'expires_at',
		'started',
		'requirement_ids',
		'assignment_ids'
	];
	const tuple = (alias: string) => sql.raw(`(${cols.map((c) => `${alias}.${c}`).join(', ')})`);
	const json = (alias: string) =>
		sql.raw(`json_build_object(${cols.map((c) => `'${c}', ${alias}.${c}`).join(', ')})`);
	const result = await db.execute(sql`
		with d as (${derivedObligationsSql({})}),
		cmp as (
			select coalesce(d.user_id, o.user_id) as user_id, coalesce(d.course_id, o.course_id) as course_id,
				case when o.user_id is null then 'missing' when d.user_id is null then 'extra' when ${tuple('d')} is distinct from ${tuple('o')} then 'different' end as kind,
				case when o.user_id is null then null else ${json('o')} end as stored,
				case when d.user_id is null then null else ${json('d')} end as derived,
				d.user_id is not null as in_derived, o.user_id is not null as in_stored
			from d full join obligations o on o.user_id = d.user_id and o.course_id = d.course_id
		)
		select json_build_object(
			'checked', count(*) filter (where in_derived),
			'stored', count(*) filter (where in_stored),
			'missing', count(*) filter (where kind = 'missing'),
			'extra', count(*) filter (where kind = 'extra'),
			'different', count(*) filter (where kind = 'different'),
			'examples', (select coalesce(json_agg(x), '[]') from (select user_id, course_id, kind, stored, derived from cmp where kind is not null order by user_id, course_id limit ${exampleLimit}) x)
		) as report from cmp`);
	const raw = rowsOf<{ report: unknown }>(result)[0]!.report;
	const [tally] = rowsOf<{ n: number }>(
		await db.execute(sql`
			with counted as (
				select organisation_id, coalesce(team_id, ${NO_TEAM}::uuid) as team_id, course_id,
					(case when completed_at is null then (case when started then 2 else 1 end) when expires_at is null then 4 else 3 end)::smallint as kind,
					case when completed_at is null then date_trunc('month', due_at at time zone 'UTC')::date when expires_at is null then 'infinity'::date
						else date_trunc('month', expires_at at time zone 'UTC')::date end as month,
					count(*)::int as n
				from obligations group by 1, 2, 3, 4, 5
			),
			days as (
				select organisation_id, coalesce(team_id, ${NO_TEAM}::uuid) as team_id, course_id,
					(case when completed_at is null then (case when started then 2 else 1 end) when expires_at is null then 4 else 3 end)::smallint as kind,
					case when completed_at is null then (due_at at time zone 'UTC')::date when expires_at is null then 'infinity'::date
						else (expires_at at time zone 'UTC')::date end as day,
					count(*)::int as n
				from obligations group by 1, 2, 3, 4, 5
			),
			months as (
				select date_trunc('month', completed_at at time zone 'Europe/London')::date as month, source, count(*)::int as n from completions where voided_at is null group by 1, 2
			)
			select (select count(*) from counted c full join (select * from obligation_tally where n <> 0) t using (organisation_id, team_id, course_id, kind, month) where c.n is distinct from t.n)
				+ (select count(*) from days c full join (select * from obligation_day_tally where n <> 0) t using (organisation_id, team_id, course_id, kind, day) where c.n is distinct from t.n)
				+ (select count(*) from months m full join (select * from completion_month_tally where n <> 0) t using (month, source) where m.n is distinct from t.n) as n`)
	);
	const r = jsonColumn<
		Omit<DriftReport, 'drift' | 'examples' | 'tallies'> & {
			examples: {
				user_id: string;
				course_id: string;
				kind: DriftRow['kind'];
				stored: Record<string, unknown> | null;
				derived: Record<string, unknown> | null;
			}[];
		}
	>(raw);
	const n = (v: unknown) => Number(v ?? 0);
	return {
		checked: n(r.checked),
		stored: n(r.stored),
		missing: n(r.missing),
		extra: n(r.extra),
		different: n(r.different),
		tallies: n(tally?.n),
		drift: n(r.missing) + n(r.extra) + n(r.different) + n(tally?.n),
		examples: r.examples.map((e) => ({
			userId: e.user_id,
			courseId: e.course_id,
			kind: e.kind,
			stored: e.stored,
			derived: e.derived
		}))
	};
}

/** A status as SQL, from the stored dates of obligation alias `o` and the moment `now`. */
export function statusSql(now: Date | Placeholder, o = 'o'): SQL {
	// A placeholder when the query is prepared once (db/prepared.ts) and given the time on each call.
	const at = sql`${now instanceof Date ? now.toISOString() : now}::timestamptz`;
	const c = (name: string) => sql.raw(`${o}.${name}`);
	return sql`case
		when ${c('completed_at')} is not null and (${c('expires_at')} is null or ${c('expires_at')} > ${at}) then
			case when ${c('expires_at')} <= ${at} + make_interval(days => ${RENEWAL_WINDOW_DAYS}) then 'due-soon' else 'completed' end
		when ${c('completed_at')} is not null then 'expired'
		when ${c('due_at')} < ${at} then 'overdue'
		when ${c('due_at')} <= ${at} + make_interval(days => ${DUE_SOON_DAYS}) then 'due-soon'
		when ${c('started')} then 'in-progress'
		else 'not-started'
	end`;
}

/** The scope of stored rows as a condition on alias `o`. */
export function scopeSql(scope: StatusScope, o = 'o'): SQL {
	const c = (name: string) => sql.raw(`${o}.${name}`);
	const parts: SQL[] = [sql`true`];
	if (scope.organisationIds !== null)
		parts.push(
			scope.organisationIds.length
				? sql`${c('organisation_id')} in (${uuidList(scope.organisationIds)})`
				: sql`false`
		);
	if (scope.teamId) parts.push(sql`${c('team_id')} = ${scope.teamId}::uuid`);
	if (scope.courseId) parts.push(sql`${c('course_id')} = ${scope.courseId}::uuid`);
	if (scope.userId) parts.push(sql`${c('user_id')} = ${scope.userId}::uuid`);
	return sql.join(parts, sql` and `);
}

/**
 * The stored rows with their status now, usable as `with s as (${statusRows(...)})`: user_id,
 * course_id, organisation_id, team_id, due_at, completed_at, expires_at, status, effective_due.
 */
export function statusRows(scope: StatusScope, now: Date): SQL {
	return sql`select o.user_id, o.course_id, o.organisation_id, o.team_id, o.due_at, o.completed_at, o.expires_at,
		${statusSql(now)} as status, o.effective_due
		from obligations o where ${scopeSql(scope)}`;
}

/** Trained: holds a completion that has not expired (including those due for renewal soon). */
export const TRAINED_CONDITION = `(s.completed_at is not null and s.status <> 'expired')`;

export interface CountRow {
	id: string;
	name: string;
	required: number;
	trained: number;
	overdue: number;
	dueSoon: number;
	expired: number;
	/** whole percent trained of required */
	rate: number;
}

export interface MatrixCell {
	organisationId: string;
	courseId: string;
	required: number;
	trained: number;
	behind: number;
	rate: number;
}

export interface DashboardFigures {
	totals: {
		required: number;
		trained: number;
		overdue: number;
		dueSoon: number;
		expired: number;
		rate: number;
	};
	byCourse: CountRow[];
	byTeam: CountRow[];
	byOrganisation: CountRow[];
	expiring: { within30: number; within60: number; within90: number };
	matrix: MatrixCell[];
	/** how many rows each list filter selects (`all`: no filter), for paging without counting rows */
	listSizes: Record<NonNullable<PeopleStatusFilter['status']> | 'all', number>;
}

const rate = (trained: number, required: number) =>
	required ? Math.floor((trained * 100) / required) : 0;

const NO_TEAM = '00000000-0000-0000-0000-000000000000';

const COUNT_COLUMNS = [
	'open',
	'started',
	'expiring',
	'forever',
	'b1',
	'b2_new',
	'b2_started',
	'b3',
	'b4',
	'b5',
	'b6'
] as const;

/** Per (organisation, team, course): the counts every figure is made of, at `now`. */
interface GroupCounts {
	organisation_id: string;
	team_id: string;
	course_id: string;
	open: number;
	started: number;
	expiring: number;
	forever: number;
	/** open, due before now */
	b1: number;
	/** open (not started / started), due on or before now + 14 days */
	b2_new: number;
	b2_started: number;
	/** completed, expiring on or before now, now + 30, 60 and 90 days */
	b3: number;
	b4: number;
	b5: number;
	b6: number;
}

/**
 * Every figure on a dashboard, without reading every obligation: each status is a count of
 * stored dates before a boundary (now, now + 14, 30, 60, 90 days), made of the tally's whole months
 * before the boundary's month, the day tally's days of that month before the boundary's day, and
 * the rows of the boundary's own day (from the covering partial date indexes). So the cost follows the number of groups and months, not of people, and
 * the counts are exact at the moment given.
 */
/** Which filters the figures query has: its text depends on these alone, never on their values. */
type FiguresShape = {
	everyOrganisation: boolean;
	team: boolean;
	course: boolean;
};
interface FigureValues extends Record<string, unknown> {
	at: string;
	orgs: string;
	teamId: string | null;
	courseId: string | null;
}
/**
 * The figures query, built and prepared once per shape: every value comes once, in `k`, so the
 * statement has a few parameters whatever the number of organisations in scope, and neither
 * drizzle nor PostgreSQL builds or plans it again on each request. Eight shapes at most.
 */
const figuresQuery = preparedSqlShapes<FiguresShape, GroupCounts, FigureValues>(
	'dashboard_figures',
	(shape) => {
		// The boundaries and the kinds they count: open rows by due date, completed rows by expiry.
		const boundaries: { name: string; open: boolean; plusDays: number; inclusive: boolean }[] = [
			{ name: 'b1', open: true, plusDays: 0, inclusive: false },
			{ name: 'b2', open: true, plusDays: DUE_SOON_DAYS, inclusive: true },
			{ name: 'b3', open: false, plusDays: 0, inclusive: true },
			{ name: 'b4', open: false, plusDays: RENEWAL_WINDOW_DAYS, inclusive: true },
			{ name: 'b5', open: false, plusDays: 60, inclusive: true },
			{ name: 'b6', open: false, plusDays: 90, inclusive: true }
		];
		// Index scans need the organisation first: the partnership's scope is every one.
		const orgs = shape.everyOrganisation
			? sql`array(select id from organisations)`
			: sql`${sql.placeholder('orgs')}::uuid[]`;
		const filters = [
			shape.team ? sql`, ${sql.placeholder('teamId')}::uuid as team_id` : sql``,
			shape.course ? sql`, ${sql.placeholder('courseId')}::uuid as course_id` : sql``
		];
		/** The scope as a condition on alias `a` of the tallies or of obligations. */
		const inScope = (a: string) => {
			const c = (name: string) => sql.raw(`${a}.${name}`);
			return sql.join(
				[
					sql`${c('organisation_id')} = any((select orgs from k)::uuid[])`,
					...(shape.team ? [sql`${c('team_id')} = (select team_id from k)`] : []),
					...(shape.course ? [sql`${c('course_id')} = (select course_id from k)`] : [])
				],
				sql` and `
			);
		};
		// Each boundary's moment, month and day, worked out once: k.p1…p6, k.m1…, k.d1…, k.s1… (day start).
		const bound = (i: number, what: 'p' | 'm' | 'd' | 's') => sql.raw(`k.${what}${i + 1}`);
		const once = (i: number, what: 'p' | 'm' | 'd' | 's') =>
			sql.raw(`(select ${what}${i + 1} from k)`);
		const moments = sql.raw(
			boundaries
				.map((b, i) => {
					const point = `(q.at + make_interval(days => ${Number(b.plusDays)}))`;
					const day = `(${point} at time zone 'UTC')::date`;
					return `${point} as p${i + 1}, date_trunc('month', ${point} at time zone 'UTC')::date as m${i + 1},
				${day} as d${i + 1}, (${day}::timestamp at time zone 'UTC') as s${i + 1}`;
				})
				.join(', ')
		);
		const openKinds = sql`t.kind in (1, 2)`;
		const kindsOf = (b: (typeof boundaries)[number]) => (b.open ? openKinds : sql`t.kind = 3`);
		/** Every part gives each count per group; a part that does not count one gives 0. */
		const columns = (given: Partial<Record<(typeof COUNT_COLUMNS)[number], SQL>>) =>
			sql.join(
				COUNT_COLUMNS.map((c) => sql`${given[c] ?? sql`0`}::int as ${sql.raw(c)}`),
				sql`, `
			);
		const b2 = boundaries.findIndex((b) => b.name === 'b2');
		// The whole months before each boundary's month, from one read of the month tally.
		const monthsBefore: Partial<Record<(typeof COUNT_COLUMNS)[number], SQL>> = {
			open: sql`sum(t.n) filter (where ${openKinds})`,
			started: sql`sum(t.n) filter (where t.kind = 2)`,
			expiring: sql`sum(t.n) filter (where t.kind = 3)`,
			forever: sql`sum(t.n) filter (where t.kind = 4)`,
			b2_new: sql`sum(t.n) filter (where t.kind = 1 and t.month < ${bound(b2, 'm')})`,
			b2_started: sql`sum(t.n) filter (where t.kind = 2 and t.month < ${bound(b2, 'm')})`
		};
		boundaries.forEach((b, i) => {
			if (i !== b2)
				monthsBefore[b.name as (typeof COUNT_COLUMNS)[number]] =
					sql`sum(t.n) filter (where ${kindsOf(b)} and t.month < ${bound(i, 'm')})`;
		});
		/** How one boundary counts rows of a kind: b2 apart by started, the others together. */
		const countsOf = (i: number, n: SQL, started: SQL) =>
			i === b2
				? {
						b2_new: sql`${n} filter (where not ${started})`,
						b2_started: sql`${n} filter (where ${started})`
					}
				: { [boundaries[i]!.name]: n };
		// The days of each boundary's month before its day, from the day tally (a short index range each).
		const daysBefore = boundaries.map(
			(b, i) => sql`
			select t.organisation_id, t.team_id, t.course_id, ${columns(countsOf(i, sql`sum(t.n)`, sql`t.kind = 2`))}
			from obligation_day_tally t
			where ${inScope('t')} and ${kindsOf(b)} and t.day >= ${once(i, 'm')} and t.day < ${once(i, 'd')}
			group by 1, 2, 3`
		);
		// The rows of each boundary's own day, up to the moment, from the partial date indexes.
		const ownDay = boundaries.map((b, i) => {
			const key = b.open ? sql.raw('o.due_at') : sql.raw('o.expires_at');
			const done = b.open ? sql`o.completed_at is null` : sql`o.completed_at is not null`;
			const cmp = b.inclusive ? sql`<=` : sql`<`;
			return sql`
			select o.organisation_id, coalesce(o.team_id, '${sql.raw(NO_TEAM)}'::uuid) as team_id, o.course_id, ${columns(countsOf(i, sql`count(*)`, sql`o.started`))}
			from obligations o
			where ${inScope('o')} and ${done} and ${key} >= ${once(i, 's')} and ${key} ${cmp} ${once(i, 'p')}
			group by 1, 2, 3`;
		});
		return sql`
		with k as materialized (
			select q.*, ${moments} from (select ${sql.placeholder('at')}::timestamptz as at, ${orgs} as orgs${filters[0]}${filters[1]}) as q
		),
		parts as (
			select t.organisation_id, t.team_id, t.course_id, ${columns(monthsBefore)}
			from obligation_tally t cross join k where ${inScope('t')} group by 1, 2, 3
			${sql.join(
				[...daysBefore, ...ownDay].map((part) => sql` union all ${part}`),
				sql``
			)}
		)
		select organisation_id, team_id, course_id,
			${sql.join(
				COUNT_COLUMNS.map((c) => sql`coalesce(sum(${sql.raw(c)}), 0)::int as ${sql.raw(c)}`),
				sql`, `
			)}
		from parts group by 1, 2, 3`;
	}
);

const courseTitles = preparedPerDb((db) =>
	db.select({ id: courses.id, title: courses.title }).from(courses).prepare('course_titles')
);
const teamNamesQuery = preparedPerDb((db) =>
	db.select({ id: teams.id, name: teams.name }).from(teams).prepare('team_names')
);
const organisationNames = preparedPerDb((db) =>
	db
		.select({ id: organisations.id, name: organisations.name })
		.from(organisations)
		.prepare('organisation_names')
);

export async function dashboardFigures(
	db: Db,
	scope: StatusScope,
	now: Date
): Promise<DashboardFigures> {
	if (scope.userId) throw new Error('dashboardFigures counts groups, not one person');
	const shape: FiguresShape = {
		everyOrganisation: scope.organisationIds === null,
		team: Boolean(scope.teamId),
		course: Boolean(scope.courseId)
	};
	// The names need nothing from the counts: all four reads go at once.
	const [rows, names, teamNames, orgNames] = await Promise.all([
		figuresQuery(db, shape, {
			at: now.toISOString(),
			orgs: arrayLiteral(scope.organisationIds ?? []),
			teamId: scope.teamId ?? null,
			courseId: scope.courseId ?? null
		}),
		courseTitles(db).execute(),
		teamNamesQuery(db).execute(),
		organisationNames(db).execute()
	]);
	const groups = rows.map((r) => {
		const g = { ...r } as GroupCounts;
		for (const k of COUNT_COLUMNS) g[k] = Number(r[k]);
		return g;
	});
	const courseTitle = new Map(names.map((c) => [c.id, c.title]));
	const teamName = new Map(teamNames.map((t) => [t.id, t.name]));
	const orgName = new Map(orgNames.map((o) => [o.id, o.name]));

	interface Sum {
		required: number;
		trained: number;
		overdue: number;
		dueSoon: number;
		expired: number;
		within30: number;
		within60: number;
		within90: number;
	}
	const figuresOf = (g: GroupCounts): Sum => ({
		required: g.open + g.expiring + g.forever,
		trained: g.expiring - g.b3 + g.forever,
		overdue: g.b1,
		dueSoon: g.b2_new + g.b2_started - g.b1 + (g.b4 - g.b3),
		expired: g.b3,
		within30: g.b4 - g.b3,
		within60: g.b5 - g.b3,
		within90: g.b6 - g.b3
	});
	const add = (a: Sum, b: Sum): Sum => ({
		required: a.required + b.required,
		trained: a.trained + b.trained,
		overdue: a.overdue + b.overdue,
		dueSoon: a.dueSoon + b.dueSoon,
		expired: a.expired + b.expired,
		within30: a.within30 + b.within30,
		within60: a.within60 + b.within60,
		within90: a.within90 + b.within90
	});
	const zero: Sum = {
		required: 0,
		trained: 0,
		overdue: 0,
		dueSoon: 0,
		expired: 0,
		within30: 0,
		within60: 0,
		within90: 0
	};
	const by = (key: (g: GroupCounts) => string) => {
		const m = new Map<string, Sum>();
		for (const g of groups) {
			const s = figuresOf(g);
			if (s.required === 0) continue;
			m.set(key(g), add(m.get(key(g)) ?? zero, s));
		}
		return m;
	};
	const countRows = (
		m: Map<string, Sum>,
		name: (id: string) => string,
		id: (k: string) => string = (k) => k
	): CountRow[] =>
		[...m.entries()]
			.map(([k, s]) => ({
				id: id(k),
				name: name(k),
				required: s.required,
				trained: s.trained,
				overdue: s.overdue,
				dueSoon: s.dueSoon,
				expired: s.expired,
				rate: rate(s.trained, s.required)
			}))
			.sort((a, b) => a.name.localeCompare(b.name));
	const total = groups.map(figuresOf).reduce(add, zero);
	const plain = (f: (g: GroupCounts) => number) => groups.reduce((n, g) => n + f(g), 0);
	const matrix = [...by((g) => `${g.organisation_id}|${g.course_id}`).entries()].map(([k, s]) => {
		const [organisationId, courseId] = k.split('|') as [string, string];
		return {
			organisationId,
			courseId,
			required: s.required,
			trained: s.trained,
			behind: s.overdue + s.expired,
			rate: rate(s.trained, s.required)
		};
	});
	return {
		totals: {
			required: total.required,
			trained: total.trained,
			overdue: total.overdue,
			dueSoon: total.dueSoon,
			expired: total.expired,
			rate: rate(total.trained, total.required)
		},
		byCourse: countRows(
			by((g) => g.course_id),
			(k) => courseTitle.get(k) ?? ''
		),
		byTeam: countRows(
			by((g) => g.team_id),
			(k) => (k === NO_TEAM ? 'No team' : (teamName.get(k) ?? '')),
			(k) => (k === NO_TEAM ? '' : k)
		),
		byOrganisation: countRows(
			by((g) => g.organisation_id),
			(k) => orgName.get(k) ?? ''
		),
		expiring: { within30: total.within30, within60: total.within60, within90: total.within90 },
		matrix,
		listSizes: {
			all: total.required,
			overdue: total.overdue,
			expired: total.expired,
			'due-soon': total.dueSoon,
			completed: plain((g) => g.expiring - g.b4 + g.forever),
			'in-progress': plain((g) => g.started - g.b2_started),
			'not-started': plain((g) => g.open - g.started - g.b2_new),
			'expiring-30': total.within30,
			'expiring-60': total.within60,
			'expiring-90': total.within90
		}
	};
}

export interface PeopleStatusFilter {
	status?: TrackingStatus | 'expiring-30' | 'expiring-60' | 'expiring-90';
	limit?: number;
	offset?: number;
	/** 'due' (default): longest overdue, then soonest due, first; 'due-desc': the reverse */
	sort?: 'due' | 'due-desc';
}

/** The status filter as a condition on the stored rows, so an index on the dates answers it. */
function statusFilterSql(filter: PeopleStatusFilter['status'], now: Date): SQL {
	const at = sql`${now.toISOString()}::timestamptz`;
	const renewal = sql`make_interval(days => ${RENEWAL_WINDOW_DAYS})`;
	const dueSoon = sql`make_interval(days => ${DUE_SOON_DAYS})`;
	switch (filter) {
		case undefined:
			return sql`true`;
		case 'overdue':
			return sql`o.completed_at is null and o.due_at < ${at}`;
		case 'expired':
			return sql`o.completed_at is not null and o.expires_at <= ${at}`;
		case 'due-soon':
			return sql`((o.completed_at is not null and o.expires_at > ${at} and o.expires_at <= ${at} + ${renewal}) or (o.completed_at is null and o.due_at >= ${at} and o.due_at <= ${at} + ${dueSoon}))`;
		case 'completed':
			return sql`o.completed_at is not null and (o.expires_at is null or o.expires_at > ${at} + ${renewal})`;
		case 'in-progress':
			return sql`o.completed_at is null and o.due_at > ${at} + ${dueSoon} and o.started`;
		case 'not-started':
			return sql`o.completed_at is null and o.due_at > ${at} + ${dueSoon} and not o.started`;
		default: {
			const days = Number(filter.split('-')[1]);
			return sql`o.completed_at is not null and o.expires_at > ${at} and o.expires_at <= ${at} + make_interval(days => ${days})`;
		}
	}
}

/** The people behind the figures as SQL: one row per person and required course, most urgent first. */
export function peopleStatusSql(
	scope: StatusScope,
	now: Date,
	filter: PeopleStatusFilter,
	withTotal: boolean
) {
	const page =
		filter.limit === undefined ? sql`` : sql` limit ${filter.limit} offset ${filter.offset ?? 0}`;
	return sql`
		select o.user_id, u.name, u.email, org.name as organisation_name, t.name as team_name, o.course_id, c.title as course_title,
			${statusSql(now)} as status, o.due_at, o.completed_at, o.expires_at, o.effective_due${withTotal ? sql`, count(*) over () as total` : sql``}
		from obligations o
		join users u on u.id = o.user_id
		join organisations org on org.id = o.organisation_id
		left join teams t on t.id = o.team_id
		join courses c on c.id = o.course_id
		where ${scopeSql(scope)} and ${statusFilterSql(filter.status, now)}
		order by ${
			filter.sort === 'due-desc'
				? sql`coalesce(o.effective_due, 'infinity'::timestamptz) desc, o.user_id desc, o.course_id desc` // the date index read backwards
				: sql`coalesce(o.effective_due, 'infinity'::timestamptz), o.user_id, o.course_id`
		}${page}`;
}

/** How many rows a filter selects (for paging), without reading them. */
export function peopleStatusCountSql(scope: StatusScope, now: Date, filter: PeopleStatusFilter) {
	return sql`select count(*)::int as n from obligations o where ${scopeSql(scope)} and ${statusFilterSql(filter.status, now)}`;
}

const iso = (v: unknown) =>
	v === null || v === undefined ? null : new Date(v as string).toISOString();

export function toPersonStatusRow(r: Record<string, unknown>) {
	return {
		userId: String(r.user_id),
		name: String(r.name),
		email: String(r.email),
		organisationName: String(r.organisation_name),
		teamName: (r.team_name as string | null) ?? null,
		courseId: String(r.course_id),
		courseTitle: String(r.course_title),
		status: r.status as TrackingStatus,
		dueAt: iso(r.due_at),
		completedAt: iso(r.completed_at),
		expiresAt: iso(r.expires_at),
		effectiveDue: iso(r.effective_due)
	};
}

/** One page of the people behind the figures; with `total` given (from the tallies), no count is run. */
export async function peopleStatus(
	db: Db,
	scope: StatusScope,
	now: Date,
	filter: PeopleStatusFilter,
	total?: number
) {
	const [rows, count] = await Promise.all([
		db
			.execute(peopleStatusSql(scope, now, filter, false))
			.then((r) => rowsOf<Record<string, unknown>>(r)),
		total === undefined
			? db
					.execute(peopleStatusCountSql(scope, now, filter))
					.then((r) => Number(rowsOf<{ n: number }>(r)[0]?.n ?? 0))
			: total
	]);
	return { total: count, rows: rows.map(toPersonStatusRow) };
}

/** The drill-down's one query, built and prepared once (it runs on every person's page). */
const personLearningQuery = preparedSql<
	Record<string, unknown>,
	{ userId: string; anyOrganisation: boolean; organisationIds: string; now: string }
>(
	'person_learning',
	sql`
		select u.id, u.name, u.email, u.organisation_id, g.name as organisation_name, u.team_id, t.name as team_name,
			u.audience, u.is_admin, u.status, u.password_hash is null as invited, u.created_at,
			(select coalesce(json_agg(m.organisation_id order by m.organisation_id), '[]') from manager_organisations m where m.user_id = u.id) as manager_of,
			(select coalesce(json_agg(x order by x.title, x.course_id), '[]') from (
				select o.course_id, c.title, ${statusSql(sql.placeholder('now'))} as status, o.due_at, o.completed_at, o.expires_at,
					cardinality(o.requirement_ids) > 0 as from_requirement, cardinality(o.assignment_ids) > 0 as from_assignment
				from obligations o join courses c on c.id = o.course_id where o.user_id = u.id) x) as statuses,
			(select coalesce(json_agg(x order by x.completed_at desc, x.id), '[]') from (
				select cm.id, c.title as course_title, cm.completed_at, cm.source, cm.score_percent, cm.course_version,
					cm.evidence, cm.voided_at, cm.void_reason, r.name as recorded_by_name, cm.approved_at, a.name as approved_by_name
				from completions cm join courses c on c.id = cm.course_id
				left join users r on r.id = cm.recorded_by left join users a on a.id = cm.approved_by
				where cm.user_id = u.id) x) as completions,
			(select coalesce(json_agg(x order by x.due_at, x.id), '[]') from (
				select a.id, c.title as course_title, a.due_at, a.created_at
				from assignments a join courses c on c.id = a.course_id where a.user_id = u.id and a.withdrawn_at is null) x) as assignments,
			case when u.password_hash is null then (
				select json_build_object('state', ob.state, 'error', ob.error) from outbox ob
				where ob.user_id = u.id and ob.kind = 'invitation' order by ob.created_at desc limit 1) end as invitation
		from users u join organisations g on g.id = u.organisation_id left join teams t on t.id = u.team_id
		where u.id = ${sql.placeholder('userId')}::uuid
			and (${sql.placeholder('anyOrganisation')}::boolean or u.organisation_id = any(${sql.placeholder('organisationIds')}::uuid[]))`
);

/**
 * Everything the drill-down shows of one person, in one query: their row, the organisations they
 * manage, their obligations with their status at `now`, every completion (voided ones included,
 * newest first), their assignments not withdrawn (soonest due first) and, while they have not set
 * a password, how their latest invitation went. Null when there is no such person in
 * `organisationIds` (null: any organisation), so one read also decides whether the actor may see them.
 */
export async function personLearningRow(
	db: Db,
	userId: string,
	organisationIds: readonly string[] | null,
	now: Date
) {
	const rows = await personLearningQuery(db, {
		userId,
		anyOrganisation: organisationIds === null,
		organisationIds: arrayLiteral(organisationIds ?? []),
		now: now.toISOString()
	});
	const [r] = rows;
	if (!r) return null;
	const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
	const json = jsonColumn;
	type Row = Record<string, unknown>;
	return {
		person: {
			id: String(r.id),
			name: String(r.name),
			email: String(r.email),
			organisationId: String(r.organisation_id),
			organisationName: String(r.organisation_name),
			teamId: (r.team_id as string | null) ?? null,
			teamName: (r.team_name as string | null) ?? null,
			audience: r.audience as Audience,
			isAdmin: Boolean(r.is_admin),
			status: r.status as UserStatus,
			invited: Boolean(r.invited),
			createdAt: date(r.created_at)!,
			managerOf: json<string[]>(r.manager_of)
		},
		statuses: json<Row[]>(r.statuses).map((o) => ({
			courseId: String(o.course_id),
			courseTitle: String(o.title),
			status: o.status as TrackingStatus,
			dueAt: iso(o.due_at),
			completedAt: iso(o.completed_at),
			expiresAt: iso(o.expires_at),
			fromRequirement: Boolean(o.from_requirement),
			fromAssignment: Boolean(o.from_assignment)
		})),
		history: json<Row[]>(r.completions).map((c) => ({
			id: String(c.id),
			courseTitle: String(c.course_title),
			completedAt: date(c.completed_at)!,
			source: c.source as CompletionSource,
			scorePercent: (c.score_percent as number | null) ?? null,
			courseVersion: String(c.course_version),
			evidence: (c.evidence as string | null) ?? null,
			voidedAt: date(c.voided_at),
			voidReason: (c.void_reason as string | null) ?? null,
			recordedByName: (c.recorded_by_name as string | null) ?? null,
			approvedAt: date(c.approved_at),
			approvedByName: (c.approved_by_name as string | null) ?? null
		})),
		assignments: json<Row[]>(r.assignments).map((a) => ({
			id: String(a.id),
			courseTitle: String(a.course_title),
			dueAt: date(a.due_at)!,
			createdAt: date(a.created_at)!
		})),
		invitation: r.invitation
			? json<{ state: EmailState; error: string | null }>(r.invitation)
			: null
	};
}

/** Completions per month for the last 12 months, for people in the organisations given (null = all). */
export async function monthlyCompletions(
	db: Db,
	organisationIds: readonly string[] | null,
	now: Date
) {
	if (organisationIds === null) {
		const at = sql`${now.toISOString()}::timestamptz`;
		const result = await db.execute(sql`
			with months as (
				select generate_series(date_trunc('month', ${at} at time zone 'Europe/London') - interval '11 months', date_trunc('month', ${at} at time zone 'Europe/London'), interval '1 month')::date as month
			)
			select to_char(m.month, 'YYYY-MM') as month, coalesce(t.n, 0)::int as completions
			from months m left join (select month, sum(n) as n from completion_month_tally group by month) t on t.month = m.month order by m.month`);
		return rowsOf<{ month: string; completions: number }>(result).map((r) => ({
			month: r.month,
			completions: Number(r.completions)
		}));
	}
	const orgFilter =
		organisationIds === null
			? sql``
			: organisationIds.length
				? sql` and u.organisation_id in (${uuidList(organisationIds)})`
				: sql` and false`;
	const at = sql`${now.toISOString()}::timestamptz`;
	const result = await db.execute(sql`
		with months as (
			select generate_series(date_trunc('month', ${at} at time zone 'Europe/London') - interval '11 months', date_trunc('month', ${at} at time zone 'Europe/London'), interval '1 month') as month
		),
		counted as (
			select date_trunc('month', cm.completed_at at time zone 'Europe/London') as month, count(*)::int as n
			from completions cm
			where cm.voided_at is null
				and cm.completed_at >= (date_trunc('month', ${at} at time zone 'Europe/London') - interval '11 months') at time zone 'Europe/London'
				and cm.completed_at < ${at} + interval '1 month'
				${organisationIds === null ? sql`` : sql`and exists (select 1 from users u where u.id = cm.user_id ${orgFilter})`}
			group by 1
		)
		select to_char(m.month, 'YYYY-MM') as month, coalesce(c.n, 0)::int as completions
		from months m left join counted c on c.month = m.month order by m.month`);
	return rowsOf<{ month: string; completions: number }>(result).map((r) => ({
		month: r.month,
		completions: Number(r.completions)
	}));
}

export async function allOrganisations(db: Db) {
	return db
		.select({ id: organisations.id, name: organisations.name })
		.from(organisations)
		.orderBy(asc(organisations.name));
}

export async function activeCourses(db: Db) {
	return db
		.select({ id: courses.id, title: courses.title })
		.from(courses)
		.where(eq(courses.active, true))
		.orderBy(asc(courses.title));
}

/** The newest drift check an admin ran, from the audit log. */
export async function lastDriftCheck(db: Db) {
	const [row] = await db
		.select({ at: auditLog.at, details: auditLog.details, actorName: users.name })
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(eq(auditLog.action, 'tracking.drift-checked'))
		.orderBy(desc(auditLog.at))
		.limit(1);
	if (!row) return null;
	const d = row.details as { checked?: number; drift?: number; ms?: number };
	return {
		at: row.at,
		actorName: row.actorName,
		checked: Number(d.checked ?? 0),
		drift: Number(d.drift ?? 0),
		ms: Number(d.ms ?? 0)
	};
}

/** The further courses that meet each of the requirements given, by requirement, titles in order. */
export async function routesOfRequirements(db: Db, requirementIds: readonly string[]) {
	if (!requirementIds.length) return new Map<string, { courseId: string; title: string }[]>();
	const rows = await db
		.select({
			requirementId: requirementRoutes.requirementId,
			courseId: requirementRoutes.courseId,
			title: courses.title
		})
		.from(requirementRoutes)
		.innerJoin(courses, eq(courses.id, requirementRoutes.courseId))
		.where(inArray(requirementRoutes.requirementId, [...requirementIds]))
		.orderBy(asc(courses.title));
	const byRequirement = new Map<string, { courseId: string; title: string }[]>();
	for (const r of rows)
		byRequirement.set(r.requirementId, [
			...(byRequirement.get(r.requirementId) ?? []),
			{ courseId: r.courseId, title: r.title }
		]);
	return byRequirement;
}

/** Adds further courses to a requirement (those it has already are left as they are); returns those added. */
export async function insertRequirementRoutes(
	tx: Db,
	requirementId: string,
	courseIds: readonly string[],
	addedBy: string,
	now: Date
): Promise<string[]> {
	if (!courseIds.length) return [];
	const added = await tx
		.insert(requirementRoutes)
		.values(courseIds.map((courseId) => ({ requirementId, courseId, addedBy, addedAt: now })))
		.onConflictDoNothing()
		.returning({ courseId: requirementRoutes.courseId });
	return added.map((r) => r.courseId);
}

/** Removes one further course from a requirement; returns whether it was there. */
export async function deleteRequirementRoute(
	tx: Db,
	requirementId: string,
	courseId: string
): Promise<boolean> {
	const removed = await tx
		.delete(requirementRoutes)
		.where(
			and(
				eq(requirementRoutes.requirementId, requirementId),
				eq(requirementRoutes.courseId, courseId)
			)
		)
		.returning({ courseId: requirementRoutes.courseId });
	return removed.length > 0;
}

export interface CoverageQuery {
	organisationId: string | null;
	teamId: string | null;
	audience: string | null;
	/** the requirement's course first, then its further routes */
	courseIds: readonly string[];
	/** months a completion counts; 0 = for good */
	renewalMonths: number;
	externalNeedsApproval: boolean;
}

/**
 * Who a requirement with these settings would cover, by the same matching as the obligations
 * (active people; organisation, team and audience, null matching anyone), and how many of them
 * hold a completion of one of its courses that would count today.
 */
export async function requirementCoverage(db: Db, q: CoverageQuery, now: Date) {
	const at = sql`${now.toISOString()}::timestamptz`;
	const [row] = rowsOf<{ people: number; already_met: number }>(
		await db.execute(sql`
			select count(*)::int as people,
				count(*) filter (where exists (
					select 1 from completions cm
					where cm.user_id = u.id and cm.course_id in (${uuidList(q.courseIds)}) and cm.voided_at is null
						and (${q.renewalMonths}::int = 0 or cm.completed_at + make_interval(months => ${q.renewalMonths}::int) > ${at})
						and (cm.source <> 'external' or cm.approved_at is not null or not ${q.externalNeedsApproval}::boolean)
				))::int as already_met
			from users u
			where u.status = 'active'
				${q.organisationId ? sql`and u.organisation_id = ${q.organisationId}::uuid` : sql``}
				${q.teamId ? sql`and u.team_id = ${q.teamId}::uuid` : sql``}
				${q.audience ? sql`and u.audience = ${q.audience}` : sql``}`)
	);
	return { people: Number(row?.people ?? 0), alreadyMet: Number(row?.already_met ?? 0) };
}

/** Marks training recorded from elsewhere as approved by an admin; returns false if it already was. */
export async function approveCompletion(
	tx: Db,
	completionId: string,
	approvedBy: string,
	now: Date
): Promise<boolean> {
	const rows = await tx
		.update(completions)
		.set({ approvedAt: now, approvedBy })
		.where(and(eq(completions.id, completionId), isNull(completions.approvedAt)))
		.returning({ id: completions.id });
	return rows.length > 0;
}

/** Of these people, those with an open (not withdrawn) assignment of the course. */
export async function peopleWithOpenAssignment(
	db: Db,
	courseId: string,
	userIds: readonly string[]
): Promise<Set<string>> {
	if (!userIds.length) return new Set();
	const rows = await db
		.selectDistinct({ userId: assignments.userId })
		.from(assignments)
		.where(
			and(
				eq(assignments.courseId, courseId),
				inArray(assignments.userId, [...userIds]),
				isNull(assignments.withdrawnAt)
			)
		);
	return new Set(rows.map((r) => r.userId));
}
