import { sql, type SQL } from 'drizzle-orm';

/**
 * Each person's status per required course, derived (never typed in) from requirements,
 * individual assignments and completions, as one set-based query that dashboards, lists, exports
 * and reminders all build on, so their numbers always agree.
 *
 * - An obligation comes from a requirement matching the person (organisation, team, audience;
 *   null matches anyone) or from an assignment. Several obligations for the same course merge:
 *   the earliest due date and the shortest renewal period win.
 * - Due date of a requirement: `due_within_days` after the later of the person joining and the
 *   requirement starting.
 * - A completion counts until it expires (`renewal_months` after completion; 0 = never). From
 *   RENEWAL_WINDOW_DAYS before expiry the person is "due soon" again; after it, "expired".
 */
export const DUE_SOON_DAYS = 14;
export const RENEWAL_WINDOW_DAYS = 30;

export const STATUSES = ['overdue', 'expired', 'due-soon', 'in-progress', 'not-started', 'completed'] as const;
export type TrackingStatus = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<TrackingStatus, string> = {
	overdue: 'Overdue',
	expired: 'Expired',
	'due-soon': 'Due soon',
	'in-progress': 'In progress',
	'not-started': 'Not started',
	completed: 'Completed'
};

export interface StatusScope {
	/** null = every organisation */
	organisationIds: readonly string[] | null;
	teamId?: string;
	courseId?: string;
	userId?: string;
}

/**
 * A SQL fragment usable as `from (${statusRows(...)}) s`, one row per (person, required course):
 * user_id, course_id, organisation_id, team_id, due_at, completed_at, expires_at, status,
 * effective_due (the date that matters now: due date, or expiry for a renewal).
 */
export function statusRows(scope: StatusScope, now: Date): SQL {
	const at = sql`${now.toISOString()}::timestamptz`;
	const orgFilter =
		scope.organisationIds === null
			? sql``
			: scope.organisationIds.length === 0
				? sql` and false`
				: sql` and u.organisation_id in (${sql.join(scope.organisationIds.map((id) => sql`${id}::uuid`), sql`, `)})`;
	const teamFilter = scope.teamId ? sql` and u.team_id = ${scope.teamId}::uuid` : sql``;
	const userFilter = scope.userId ? sql` and u.id = ${scope.userId}::uuid` : sql``;
	const courseFilter = scope.courseId ? sql` and c.id = ${scope.courseId}::uuid` : sql``;
	return sql`
		with people as (
			select u.id, u.organisation_id, u.team_id, u.audience, u.created_at
			from users u
			where u.status = 'active' ${orgFilter}${teamFilter}${userFilter}
		),
		obligations as (
			select p.id as user_id, p.organisation_id, p.team_id, r.course_id,
				greatest(p.created_at, r.starts_at) + make_interval(days => r.due_within_days) as due_at,
				coalesce(r.renewal_months, c.validity_months) as renewal_months
			from requirements r
			join courses c on c.id = r.course_id and c.active ${courseFilter}
			join people p on (r.organisation_id is null or r.organisation_id = p.organisation_id)
				and (r.team_id is null or r.team_id = p.team_id)
				and (r.audience is null or r.audience = p.audience)
			where r.retired_at is null
			union all
			select p.id, p.organisation_id, p.team_id, a.course_id, a.due_at, c.validity_months
			from assignments a
			join people p on p.id = a.user_id
			join courses c on c.id = a.course_id and c.active ${courseFilter}
			where a.withdrawn_at is null
		),
		merged as (
			select user_id, organisation_id, team_id, course_id, min(due_at) as due_at,
				coalesce(min(nullif(renewal_months, 0)), 0) as renewal_months
			from obligations group by user_id, organisation_id, team_id, course_id
		),
		joined as (
			-- Per-row index lookups (completions by user and course), so the cost follows the
			-- number of people in scope, whatever the planner's estimates.
			select m.user_id, m.organisation_id, m.team_id, m.course_id, m.due_at, l.completed_at,
				case when l.completed_at is not null and m.renewal_months > 0
					then l.completed_at + make_interval(months => m.renewal_months) end as expires_at,
				exists (select 1 from course_progress cp where cp.user_id = m.user_id and cp.course_id = m.course_id) as started
			from merged m
			left join lateral (
				select max(cm.completed_at) as completed_at from completions cm
				where cm.user_id = m.user_id and cm.course_id = m.course_id and cm.voided_at is null
			) l on true
		)
		select j.user_id, j.course_id, j.organisation_id, j.team_id, j.due_at, j.completed_at, j.expires_at,
			case
				when j.completed_at is not null and (j.expires_at is null or j.expires_at > ${at}) then
					case when j.expires_at is not null and j.expires_at <= ${at} + make_interval(days => ${RENEWAL_WINDOW_DAYS}) then 'due-soon' else 'completed' end
				when j.completed_at is not null then 'expired'
				when j.due_at < ${at} then 'overdue'
				when j.due_at <= ${at} + make_interval(days => ${DUE_SOON_DAYS}) then 'due-soon'
				when j.started then 'in-progress'
				else 'not-started'
			end as status,
			case when j.completed_at is not null then j.expires_at else j.due_at end as effective_due
		from joined j`;
}

/** Trained: holds a completion that has not expired (including those due for renewal soon). */
export const TRAINED_CONDITION = `(s.completed_at is not null and s.status <> 'expired')`;
