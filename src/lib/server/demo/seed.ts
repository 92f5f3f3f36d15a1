import { sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { rowsOf } from '../db/migrate.ts';
import { hashPassword } from '../auth/password.ts';
import { randomToken } from '../auth/tokens.ts';
import { refreshObligations } from '../tracking/queries.ts';

/**
 * Realistic synthetic data for seeing and measuring the dashboards: people spread across the
 * partnership's organisations and teams as in a real partnership, requirements by organisation and
 * audience, and progress, completions (some expired, some renewed) and assignments. Everything is
 * generated in set-based SQL, so 20,000 people take seconds. Demo people are marked is_demo and use
 * the reserved .invalid domain, so they can never receive email.
 */
export const EXTRA_COURSES = [
	'Trauma-informed practice (face-to-face)',
	'Conflict resolution and personal safety',
	'Mental Capacity Act in practice',
	'Data protection for front-line staff',
	'Home fire safety visits',
	'Cuckooing and county lines awareness',
	'Mediation skills (face-to-face)',
	'Victim care and the Victims’ Code',
	'Hoarding and self-neglect'
];

export class RealDataError extends Error {}

/** Share of people per organisation kind (the police and council are the largest). */
const ORG_WEIGHTS: Record<string, number> = {
	police: 40,
	council: 25,
	fire: 8,
	health: 10,
	probation: 5,
	community: 12
};

export async function seedDemo(
	db: Db,
	learners: number,
	now = new Date()
): Promise<{
	admin: { email: string; password: string };
	manager: { email: string; password: string; organisation: string };
}> {
	const [real] = rowsOf<{ n: number }>(
		await db.execute(sql`select count(*)::int as n from users where not is_demo`)
	);
	if (Number(real?.n ?? 0) > 0)
		throw new RealDataError(
			`This database has ${real!.n} real (non-demo) people. demo:seed only runs on a database without real people, so synthetic data can never mix with real records.`
		);
	const at = sql`${now.toISOString()}::timestamptz`;
	await db.transaction(async (tx) => {
		// Nine more courses delivered outside the platform, so the tracking has a realistic breadth.
		for (const [i, title] of EXTRA_COURSES.entries()) {
			await tx.execute(sql`insert into courses (slug, kind, title, summary, audiences, estimated_minutes, pass_mark, validity_months, version)
				values (${`demo-${i + 1}`}, 'external', ${title}, 'Demo course delivered outside the platform.', '["frontline","community"]'::jsonb, 60, 80, ${[12, 24, 36][i % 3]}, '1.0.0')
				on conflict (slug) do nothing`);
		}
		// People: organisation by weight, a team of that organisation, audience by organisation kind.
		await tx.execute(sql`
			with orgs as (
				select o.id, o.kind, sum(w.weight) over (order by o.name) - w.weight as lo, sum(w.weight) over (order by o.name) as hi, sum(w.weight) over () as total
				from organisations o join (values ${sql.join(
					Object.entries(ORG_WEIGHTS).map(([k, w]) => sql`(${k}, ${w}::int)`),
					sql`, `
				)}) as w(kind, weight) on w.kind = o.kind
			),
			picks as (select g, random() as r, random() as r2, random() as r3 from generate_series(1, ${learners}) g)
			insert into users (email, name, organisation_id, team_id, audience, is_demo, password_hash, created_at, updated_at)
			select 'demo.learner' || p.g || '@demo.invalid',
				(array['Aisha','Ben','Chloe','Daniel','Ella','Farhan','Grace','Harry','Imran','Jess','Kieran','Leah','Mohammed','Niamh','Oliver','Priya','Rachel','Sam','Tom','Usman','Yasmin','Zoe'])[1 + floor(p.r2 * 22)::int]
				|| ' ' || (array['Ahmed','Brown','Clarke','Davies','Evans','Hussain','Jones','Khan','Lee','Patel','Robinson','Shaw','Smith','Taylor','Walker','Wilson','Wood','Wright'])[1 + floor(p.r3 * 18)::int],
				o.id,
				(select t.id from teams t where t.organisation_id = o.id order by md5(t.id::text || p.g) limit 1),
				case when o.kind = 'community' or p.r3 < 0.08 then 'community' else 'frontline' end,
				true, null,
				${at} - make_interval(days => floor(p.r2 * 1100)::int),
				${at}
			from picks p join orgs o on p.r * o.total >= o.lo and p.r * o.total < o.hi`);
		// Requirements as a partnership would set them.
		await tx.execute(sql`
			insert into requirements (course_id, organisation_id, audience, due_within_days, renewal_months, starts_at)
			select c.id, o.id, r.audience, r.days, r.renew, ${at} - interval '3 years'
			from (values
				('signs-of-abuse', null, 'frontline', 30, 24),
				('signs-of-abuse', 'community', 'community', 60, 36),
				('early-asb-intervention', 'police', 'frontline', 60, 24),
				('early-asb-intervention', 'council', 'frontline', 60, 24),
				('community-resolution', 'police', 'frontline', 90, 36),
				('community-resolution', 'community', 'community', 90, 36),
				('demo-1', 'council', 'frontline', 120, 36),
				('demo-2', 'police', 'frontline', 90, 12),
				('demo-3', 'health', 'frontline', 60, 24),
				('demo-4', null, 'frontline', 90, 24),
				('demo-5', 'fire', 'frontline', 60, 12),
				('demo-6', 'police', 'frontline', 120, 24),
				('demo-7', 'council', null, 180, 36),
				('demo-8', 'probation', 'frontline', 60, 24),
				('demo-9', 'council', 'frontline', 120, 36)
			) as r(slug, org_kind, audience, days, renew)
			join courses c on c.slug = r.slug
			left join organisations o on o.kind = r.org_kind
			where r.org_kind is null or o.id is not null`);
		// Progress and completions for each obligation: most done (some long ago, so expired or
		// renewed), some started, some not. A few people also have an individual assignment.
		await tx.execute(sql`
			with obligations as (
				select distinct u.id as user_id, r.course_id, u.created_at, random() as r
				from requirements r join users u on u.is_demo
					and (r.organisation_id is null or r.organisation_id = u.organisation_id)
					and (r.audience is null or r.audience = u.audience)
			),
			done as (
				insert into completions (user_id, course_id, course_version, completed_at, source, score_percent, evidence)
				select o.user_id, o.course_id, '1.0.0',
					greatest(o.created_at, ${at} - make_interval(days => floor(o.r * 1000)::int)) + make_interval(hours => floor(o.r * 9)::int),
					case when c.kind = 'external' then 'external' else 'native' end,
					case when c.kind = 'external' then null else 80 + floor(o.r * 21)::int end,
					case when c.kind = 'external' then 'Demo: attendance register' end
				from obligations o join courses c on c.id = o.course_id
				where o.r < 0.72
				returning user_id, course_id, completed_at
			),
			earlier as (
				-- Earlier cycles: most people have done the course before, some twice.
				insert into completions (user_id, course_id, course_version, completed_at, source, score_percent)
				select d.user_id, d.course_id, '1.0.0', d.completed_at - make_interval(months => 25 * n), 'native', 85
				from done d cross join generate_series(1, 2) n
				where n = 1 or extract(epoch from d.completed_at)::bigint % 2 = 0
				returning 1
			)
			insert into course_progress (user_id, course_id, started_at, last_activity_at)
			select o.user_id, o.course_id, ${at} - interval '3 days', ${at} - interval '1 day'
			from obligations o join courses c on c.id = o.course_id and c.kind = 'native'
			where o.r >= 0.72 and o.r < 0.84
			on conflict do nothing`);
		await tx.execute(sql`
			insert into assignments (user_id, course_id, due_at, created_at)
			select u.id, c.id, ${at} + make_interval(days => (floor(random() * 90) - 30)::int), ${at} - interval '30 days'
			from users u cross join generate_series(0, 1) n
			cross join lateral (select id from courses where slug = 'demo-' || (1 + (abs(hashtext(u.id::text)) + n) % 9) limit 1) c
			where u.is_demo and (n = 0 or abs(hashtext(u.id::text)) % 2 = 0)`);
	});
	// The stored obligations of everyone, computed once from what was just written.
	await db.transaction((tx) => refreshObligations(tx, {}, now));
	// Fresh statistics, so the planner knows the tables' real sizes straight away, and the
	// visibility map set, so counts can come from indexes alone.
	await db.execute(sql`vacuum analyze`);
	// Sign-in for looking around: one demo admin and one manager of the largest organisation,
	// with random passwords printed once, never defaults.
	const adminPassword = `demo ${randomToken(6)} ${randomToken(6)}`;
	const managerPassword = `demo ${randomToken(6)} ${randomToken(6)}`;
	const [largest] = rowsOf<{ id: string; name: string }>(
		await db.execute(
			sql`select o.id, o.name from organisations o join users u on u.organisation_id = o.id group by o.id order by count(*) desc limit 1`
		)
	);
	const [anyOrg] = rowsOf<{ id: string }>(
		await db.execute(sql`select id from organisations order by name limit 1`)
	);
	await db.execute(sql`insert into users (email, name, organisation_id, audience, is_admin, is_demo, password_hash) values
		('demo.admin@demo.invalid', 'Demo Admin', ${anyOrg!.id}, 'frontline', true, true, ${await hashPassword(adminPassword)}),
		('demo.manager@demo.invalid', 'Demo Manager', ${largest!.id}, 'frontline', false, true, ${await hashPassword(managerPassword)})
		on conflict (email) do nothing`);
	await db.execute(
		sql`insert into manager_organisations (user_id, organisation_id) select id, ${largest!.id} from users where email = 'demo.manager@demo.invalid' on conflict do nothing`
	);
	return {
		admin: { email: 'demo.admin@demo.invalid', password: adminPassword },
		manager: {
			email: 'demo.manager@demo.invalid',
			password: managerPassword,
			organisation: largest!.name
		}
	};
}
