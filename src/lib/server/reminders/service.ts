import { sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { rowsOf } from '../db/migrate.ts';
import { config } from '../config.ts';
import { queueEmails, type OutgoingEmail } from '../email/mailer.ts';
import { digestEmail, reminderEmail, type EmailBranding } from '../email/templates.ts';
import { brandingFor } from '../partnership/branding-cache.ts';
import { logger } from '../logger.ts';
import { statusSql } from '../tracking/queries.ts';

/**
 * Reminder rules. Essential reminders (3 days before, overdue) always go; non-essential ones
 * (14 days before, 30 days before expiry) respect the learner's opt-out. Overdue reminders go at
 * most weekly and stop after OVERDUE_CAP weeks. Managers get a weekly digest of their overdue
 * people from Monday 08:00 (UK time). Completed, withdrawn and deactivated people get nothing,
 * because their stored obligations are gone or completed.
 */
/** Obligation rows examined per batch; each batch is its own short transaction. */
export const REMINDER_BATCH = 20_000;
export const OVERDUE_CAP = 4;
export type ReminderKind = 'due-14' | 'due-3' | 'overdue' | 'expiry-30' | 'manager-digest';

/** Monday 08:00 Europe/London of the week containing `now`, and that week's ISO label. */
export function digestWeek(now: Date): { label: string; opensAt: Date } {
	const london = new Date(now.toLocaleString('en-US', { timeZone: 'Europe/London' }));
	const offsetMs = london.getTime() - now.getTime();
	const day = (london.getDay() + 6) % 7; // Monday = 0
	const monday = new Date(london);
	monday.setHours(8, 0, 0, 0);
	monday.setDate(monday.getDate() - day);
	const opensAt = new Date(monday.getTime() - offsetMs);
	const thursday = new Date(london);
	thursday.setDate(london.getDate() - day + 3);
	const yearStart = new Date(thursday.getFullYear(), 0, 1);
	const week = 1 + Math.floor((thursday.getTime() - yearStart.getTime()) / (7 * 86_400_000));
	return { label: `${thursday.getFullYear()}-W${String(week).padStart(2, '0')}`, opensAt };
}

/** Where a batch starts: after this (date that matters, person, course) of one organisation. */
interface BatchStart {
	organisationId: string;
	effectiveDue: string;
	userId: string;
	courseId: string;
}
const MIN_UUID = '00000000-0000-0000-0000-000000000000';
/** Only obligations whose date that matters (due date, or expiry) is this close to now can need a reminder. */
const WINDOW_BEFORE_DAYS = OVERDUE_CAP * 7;
const WINDOW_AFTER_DAYS = 30;

/**
 * Candidates among one batch of an organisation's stored obligations whose due date or expiry is
 * within the reminder window, in the order of the (organisation, date, person, course) index.
 */
function candidatesSql(now: Date, start: BatchStart, batchSize: number) {
	const at = sql`${now.toISOString()}::timestamptz`;
	return sql`
		with s as (
			select o.user_id, o.course_id, o.due_at, o.completed_at, o.expires_at, o.effective_due,
				coalesce(o.effective_due, 'infinity'::timestamptz) as key, ${statusSql(now)} as status
			from obligations o
			where o.organisation_id = ${start.organisationId}::uuid
				and (coalesce(o.effective_due, 'infinity'::timestamptz), o.user_id, o.course_id) > (${start.effectiveDue}::timestamptz, ${start.userId}::uuid, ${start.courseId}::uuid)
				and coalesce(o.effective_due, 'infinity'::timestamptz) <= ${at} + make_interval(days => ${WINDOW_AFTER_DAYS})
			order by coalesce(o.effective_due, 'infinity'::timestamptz), o.user_id, o.course_id
			limit ${batchSize}
		),
		learner as (
			select s.user_id, s.course_id, s.effective_due,
				case
					when s.completed_at is null and s.due_at > ${at} and s.due_at <= ${at} + interval '3 days' then 'due-3'
					when s.completed_at is null and s.due_at > ${at} + interval '3 days' and s.due_at <= ${at} + interval '14 days' and not u.reminders_opt_out then 'due-14'
					when s.status = 'overdue' and floor(extract(epoch from (${at} - s.due_at)) / 604800) < ${OVERDUE_CAP} then 'overdue'
					when s.status = 'expired' and floor(extract(epoch from (${at} - s.expires_at)) / 604800) < ${OVERDUE_CAP} then 'overdue'
					when s.status = 'due-soon' and s.completed_at is not null and not u.reminders_opt_out then 'expiry-30'
				end as kind,
				case
					when s.status = 'overdue' then to_char(s.due_at, 'YYYY-MM-DD') || '/week-' || floor(extract(epoch from (${at} - s.due_at)) / 604800)::int
					when s.status = 'expired' then 'expired-' || to_char(s.expires_at, 'YYYY-MM-DD') || '/week-' || floor(extract(epoch from (${at} - s.expires_at)) / 604800)::int
					when s.completed_at is not null then 'expires-' || to_char(s.expires_at, 'YYYY-MM-DD')
					else to_char(s.due_at, 'YYYY-MM-DD')
				end as period_key
			from s join users u on u.id = s.user_id
		)
		select user_id, course_id, kind, period_key, effective_due, null::timestamptz as last_key, null::uuid as last_user_id, null::uuid as last_course_id, null::int as batch_size
		from learner where kind is not null
		union all
		-- One row that always comes back, so the caller knows where the batch ended.
		(select null, null, null, null, null, s.key, s.user_id, s.course_id, (select count(*) from s)::int
			from s order by s.key desc, s.user_id desc, s.course_id desc limit 1)`;
}

function learnerEmail(
	kind: ReminderKind,
	name: string,
	courseTitle: string,
	dueText: string,
	link: string,
	branding: EmailBranding
) {
	const lines: Record<Exclude<ReminderKind, 'manager-digest'>, [string, string]> = {
		'due-14': [
			`Due in two weeks: ${courseTitle}`,
			`${courseTitle} is required for your role and is due by ${dueText}.`
		],
		'due-3': [
			`Due in 3 days: ${courseTitle}`,
			`${courseTitle} is due by ${dueText}. If you have started it, you can carry on where you stopped.`
		],
		overdue: [
			`Overdue: ${courseTitle}`,
			`${courseTitle} was due by ${dueText} and is not yet complete. Please complete it as soon as you can, or speak to your manager if something is in the way.`
		],
		'expiry-30': [
			`Time to renew: ${courseTitle}`,
			`Your training in ${courseTitle} runs out on ${dueText}. Take the course again before then to stay up to date.`
		]
	};
	const [subject, message] = lines[kind as Exclude<ReminderKind, 'manager-digest'>];
	return reminderEmail(name.split(' ')[0] ?? name, subject, message, link, branding);
}

const ukDate = new Intl.DateTimeFormat('en-GB', {
	timeZone: 'Europe/London',
	day: 'numeric',
	month: 'long',
	year: 'numeric'
});

/**
 * Sends every reminder that is due now, exactly once: each is first claimed by inserting its
 * (person, course, kind, period) into reminder_log, whose unique key lets only one claim win,
 * however many instances or restarts run this. Only the stored obligations whose due date or expiry
 * is near now are read, per organisation from its date index, in batches of REMINDER_BATCH rows,
 * each with its claims and email jobs in one short transaction (so no transaction spans everyone);
 * the email worker sends them after each commit.
 */
export async function runReminders(
	db: Db,
	now = new Date(),
	options: { origin?: string; batchSize?: number } = {}
) {
	const batchSize = options.batchSize ?? REMINDER_BATCH;
	const origin = options.origin ?? config.origin ?? `http://localhost:${process.env.PORT ?? 3000}`;
	const b = await brandingFor(db);
	const branding = { name: b.name, colour: b.brandColour };
	const week = digestWeek(now);
	let learners = 0;
	const windowStart = new Date(now.getTime() - WINDOW_BEFORE_DAYS * 86_400_000).toISOString();
	const orgs = rowsOf<{ id: string }>(
		await db.execute(sql`select id from organisations order by id`)
	);
	for (const org of orgs) {
		let start: BatchStart = {
			organisationId: org.id,
			effectiveDue: windowStart,
			userId: MIN_UUID,
			courseId: MIN_UUID
		};
		for (;;) {
			const batch = await db.transaction(async (tx) => {
				const rows = rowsOf<{
					user_id: string | null;
					course_id: string | null;
					kind: ReminderKind | null;
					email: string;
					name: string;
					title: string;
					slug: string;
					kind_course: string;
					due: string;
					last_key: string | Date | null;
					last_user_id: string | null;
					last_course_id: string | null;
					batch_size: number;
				}>(
					await tx.execute(sql`
						with c as (${candidatesSql(now, start, batchSize)}),
						claimed as (
							insert into reminder_log (user_id, course_id, kind, period_key, sent_at)
							select user_id, course_id, kind, period_key, ${now.toISOString()}::timestamptz from c where kind is not null
							on conflict do nothing
							returning user_id, course_id, kind, period_key
						)
						select cl.user_id, cl.course_id, cl.kind, u.email, u.name, co.title, co.slug, co.kind as kind_course, c.effective_due as due, null::timestamptz as last_key, null::uuid as last_user_id, null::uuid as last_course_id, 0 as batch_size
						from claimed cl
						join c on c.user_id = cl.user_id and c.course_id = cl.course_id and c.kind = cl.kind and c.period_key = cl.period_key
						join users u on u.id = cl.user_id join courses co on co.id = cl.course_id
						union all
						(select null, null, null, null, null, null, null, null, null, c.last_key, c.last_user_id, c.last_course_id, c.batch_size from c where c.kind is null limit 1)`)
				);
				const claimed = rows.filter((r) => r.kind !== null);
				const end = rows.find((r) => r.kind === null);
				const mails: OutgoingEmail[] = claimed.map((r) => {
					const link = `${origin}${r.kind_course === 'scorm' ? '/scorm/' : '/courses/'}${r.slug}`;
					return {
						to: r.email,
						...learnerEmail(
							r.kind!,
							r.name,
							r.title,
							r.due ? ukDate.format(new Date(r.due)) : 'soon',
							link,
							branding
						),
						kind: `reminder-${r.kind}`,
						userId: r.user_id!
					};
				});
				await queueEmails(tx, mails);
				const last: BatchStart | null = end?.last_user_id
					? {
							organisationId: org.id,
							effectiveDue: new Date(end.last_key!).toISOString(),
							userId: end.last_user_id,
							courseId: end.last_course_id!
						}
					: null;
				return { claimed: claimed.length, size: Number(end?.batch_size ?? 0), last };
			});
			learners += batch.claimed;
			if (batch.size < batchSize || !batch.last) break;
			start = batch.last;
		}
	}
	let digests = 0;
	if (now.getTime() >= week.opensAt.getTime()) {
		await db.transaction(async (tx) => {
			const claimedManagers = rowsOf<{
				user_id: string;
				email: string;
				name: string;
				overdue: number;
				lines: string;
			}>(
				await tx.execute(sql`
					with behind as (
						select o.user_id, o.course_id, o.organisation_id, case when o.completed_at is not null then 'expired' else 'overdue' end as status
						from obligations o
						where (o.completed_at is null and o.due_at < ${now.toISOString()}::timestamptz)
							or (o.completed_at is not null and o.expires_at <= ${now.toISOString()}::timestamptz)
					),
					managers as (
						select mo.user_id, count(*)::int as overdue,
							string_agg(distinct u.name || ' – ' || c.title || ' (' || b.status || ')', E'\n' order by u.name || ' – ' || c.title || ' (' || b.status || ')') as lines
						from manager_organisations mo
						join users m on m.id = mo.user_id and m.status = 'active'
						join behind b on b.organisation_id = mo.organisation_id
						join users u on u.id = b.user_id
						join courses c on c.id = b.course_id
						group by mo.user_id
					),
					claimed as (
						insert into reminder_log (user_id, course_id, kind, period_key, sent_at)
						select user_id, null, 'manager-digest', ${week.label}, ${now.toISOString()}::timestamptz from managers
						on conflict do nothing
						returning user_id
					)
					select m.user_id, u.email, u.name, m.overdue, m.lines from claimed cl join managers m on m.user_id = cl.user_id join users u on u.id = m.user_id`)
			);
			digests = claimedManagers.length;
			await queueEmails(
				tx,
				claimedManagers.map((m) => ({
					to: m.email,
					...digestEmail(
						m.name.split(' ')[0] ?? m.name,
						m.overdue,
						m.lines,
						`${origin}/manage?status=overdue`,
						branding
					),
					kind: 'manager-digest',
					userId: m.user_id
				}))
			);
		});
	}
	if (learners || digests) logger.info('reminders queued', { learners, digests });
	return { learners, digests };
}
