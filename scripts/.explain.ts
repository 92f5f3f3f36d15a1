import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { statusRows } from '../src/lib/server/tracking/status.ts';
const client = postgres(process.argv[2]!, { max: 1 });
const [u] = await client`select id from users where is_demo and status='active' and not is_admin order by md5(id::text) limit 1 offset 7`;
const id = u!.id as string;
const now = new Date();
const q = sql`
		with s as (${statusRows({ organisationIds: null, userId: id }, now)})
		select c.slug, c.kind, c.title, c.summary, c.estimated_minutes, c.audiences,
			cp.last_activity_at,
			(select max(cm.completed_at) from completions cm where cm.user_id = ${id}::uuid and cm.course_id = c.id and cm.voided_at is null) as completed_at,
			s.status as tracking_status, s.effective_due
		from courses c
		left join course_progress cp on cp.user_id = ${id}::uuid and cp.course_id = c.id
		left join s on s.course_id = c.id
		where c.active and c.kind <> 'external'
		order by c.title`;
const { sql: text, params } = new PgDialect().sqlToQuery(q);
for (let i = 0; i < 3; i++) {
const rows = await client.unsafe('explain (analyze, buffers off) ' + text, params as never[]);
if (i === 2) console.log(rows.map((r) => r['QUERY PLAN']).join('\n'));
else console.log(rows.at(-2)!['QUERY PLAN'], rows.at(-1)!['QUERY PLAN']);
}
await client.end();
