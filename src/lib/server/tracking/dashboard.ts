import { sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { rowsOf } from '../db/migrate.ts';
import { statusRows, TRAINED_CONDITION, type StatusScope, type TrackingStatus } from './status.ts';

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

export interface PersonStatusRow {
	userId: string;
	name: string;
	email: string;
	organisationName: string;
	teamName: string | null;
	courseId: string;
	courseTitle: string;
	status: TrackingStatus;
	dueAt: string | null;
	completedAt: string | null;
	expiresAt: string | null;
}

export interface DashboardFigures {
	totals: { people: number; required: number; trained: number; overdue: number; dueSoon: number; expired: number; rate: number };
	byCourse: CountRow[];
	byTeam: CountRow[];
	byOrganisation: CountRow[];
	expiring: { within30: number; within60: number; within90: number };
}

const rate = (trained: number, required: number) => (required ? Math.floor((trained * 100) / required) : 0);

function countsSql(groupId: string, groupName: string, join: string) {
	return sql.raw(`select ${groupId} as id, ${groupName} as name, count(*)::int as required,
		count(*) filter (where ${TRAINED_CONDITION})::int as trained,
		count(*) filter (where s.status = 'overdue')::int as overdue,
		count(*) filter (where s.status = 'due-soon')::int as due_soon,
		count(*) filter (where s.status = 'expired')::int as expired
		from s ${join} group by 1, 2 order by 2`);
}

/**
 * Every figure on a dashboard from one statement over one snapshot of the status rows, so the
 * rates, counts and lists on the page always agree with each other.
 */
export async function dashboardFigures(db: Db, scope: StatusScope, now: Date): Promise<DashboardFigures> {
	const at = sql`${now.toISOString()}::timestamptz`;
	const result = await db.execute(sql`
		with s as (${statusRows(scope, now)})
		select json_build_object(
			'totals', (select json_build_object(
				'people', count(distinct s.user_id),
				'required', count(*),
				'trained', count(*) filter (where ${sql.raw(TRAINED_CONDITION)}),
				'overdue', count(*) filter (where s.status = 'overdue'),
				'dueSoon', count(*) filter (where s.status = 'due-soon'),
				'expired', count(*) filter (where s.status = 'expired')) from s),
			'byCourse', (select coalesce(json_agg(x), '[]') from (${countsSql('c.id', 'c.title', 'join courses c on c.id = s.course_id')}) x),
			'byTeam', (select coalesce(json_agg(x), '[]') from (${countsSql("coalesce(t.id::text, '')", "coalesce(t.name, 'No team')", 'left join teams t on t.id = s.team_id')}) x),
			'byOrganisation', (select coalesce(json_agg(x), '[]') from (${countsSql('o.id', 'o.name', 'join organisations o on o.id = s.organisation_id')}) x),
			'expiring', (select json_build_object(
				'within30', count(*) filter (where s.expires_at > ${at} and s.expires_at <= ${at} + interval '30 days'),
				'within60', count(*) filter (where s.expires_at > ${at} and s.expires_at <= ${at} + interval '60 days'),
				'within90', count(*) filter (where s.expires_at > ${at} and s.expires_at <= ${at} + interval '90 days')) from s)
		) as figures`);
	const raw = rowsOf<{ figures: unknown }>(result)[0]!.figures;
	const figures = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
		totals: Omit<DashboardFigures['totals'], 'rate'>;
		byCourse: (Omit<CountRow, 'rate' | 'dueSoon'> & { due_soon: number })[];
		byTeam: (Omit<CountRow, 'rate' | 'dueSoon'> & { due_soon: number })[];
		byOrganisation: (Omit<CountRow, 'rate' | 'dueSoon'> & { due_soon: number })[];
		expiring: DashboardFigures['expiring'];
	};
	const withRate = (rows: (Omit<CountRow, 'rate' | 'dueSoon'> & { due_soon: number })[]) =>
		rows.map(({ due_soon, ...r }) => ({ ...r, dueSoon: due_soon, rate: rate(r.trained, r.required) }));
	return {
		totals: { ...figures.totals, rate: rate(figures.totals.trained, figures.totals.required) },
		byCourse: withRate(figures.byCourse),
		byTeam: withRate(figures.byTeam),
		byOrganisation: withRate(figures.byOrganisation),
		expiring: figures.expiring
	};
}

export interface PeopleStatusFilter {
	status?: TrackingStatus | 'expiring-30' | 'expiring-60' | 'expiring-90';
	limit?: number;
	offset?: number;
}

/** The people behind the figures as SQL: one row per person and required course, most urgent first. */
export function peopleStatusSql(scope: StatusScope, now: Date, filter: PeopleStatusFilter, withTotal: boolean) {
	const at = sql`${now.toISOString()}::timestamptz`;
	const statusFilter = !filter.status
		? sql``
		: filter.status.startsWith('expiring-')
			? sql` and s.expires_at > ${at} and s.expires_at <= ${at} + make_interval(days => ${Number(filter.status.split('-')[1])})`
			: sql` and s.status = ${filter.status}`;
	const page = filter.limit === undefined ? sql`` : sql` limit ${filter.limit} offset ${filter.offset ?? 0}`;
	return sql`
		with s as (${statusRows(scope, now)})
		select s.user_id, u.name, u.email, o.name as organisation_name, t.name as team_name, s.course_id, c.title as course_title,
			s.status, s.due_at, s.completed_at, s.expires_at, s.effective_due${withTotal ? sql`, count(*) over () as total` : sql``}
		from s
		join users u on u.id = s.user_id
		join organisations o on o.id = s.organisation_id
		left join teams t on t.id = s.team_id
		join courses c on c.id = s.course_id
		where true ${statusFilter}
		order by coalesce(s.effective_due, 'infinity'::timestamptz), s.user_id, s.course_id${page}`;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

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

/** One page of the people behind the figures, with the total. */
export async function peopleStatus(db: Db, scope: StatusScope, now: Date, filter: PeopleStatusFilter) {
	const rows = rowsOf<Record<string, unknown>>(await db.execute(peopleStatusSql(scope, now, filter, true)));
	return { total: Number(rows[0]?.total ?? 0), rows: rows.map(toPersonStatusRow) };
}

/** Rate per organisation and required course, for the partnership's side-by-side view. */
export async function organisationCourseMatrix(db: Db, scope: StatusScope, now: Date) {
	const result = await db.execute(sql`
		with s as (${statusRows(scope, now)})
		select s.organisation_id, s.course_id, count(*)::int as required,
			count(*) filter (where ${sql.raw(TRAINED_CONDITION)})::int as trained,
			count(*) filter (where s.status in ('overdue', 'expired'))::int as behind
		from s group by 1, 2`);
	return rowsOf<{ organisation_id: string; course_id: string; required: number; trained: number; behind: number }>(result).map((r) => ({
		organisationId: r.organisation_id,
		courseId: r.course_id,
		required: Number(r.required),
		trained: Number(r.trained),
		behind: Number(r.behind),
		rate: rate(Number(r.trained), Number(r.required))
	}));
}
