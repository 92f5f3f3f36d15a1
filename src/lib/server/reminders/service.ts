import { sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { rowsOf } from '../db/migrate.ts';
import { config } from '../config.ts';
import { deliverQueued, queueEmail } from '../email/mailer.ts';
import { logger } from '../logger.ts';
import { statusRows } from '../tracking/status.ts';

/**
 * Reminder rules. Essential reminders (3 days before, overdue) always go; non-essential ones
 * (14 days before, 30 days before expiry) respect the learner's opt-out. Overdue reminders go at
 * most weekly and stop after OVERDUE_CAP weeks. Managers get a weekly digest of their overdue
 * people from Monday 08:00 (UK time). Completed, withdrawn and deactivated people get nothing,
 * because the status rows leave them out or mark them completed.
 */
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

function candidatesSql(now: Date) {
	const at = sql`${now.toISOString()}::timestamptz`;
	return sql`
		with s as (${statusRows({ organisationIds: null }, now)}),
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
		select user_id, course_id, kind, period_key, effective_due from learner where kind is not null`;
}

function learnerEmail(kind: ReminderKind, name: string, courseTitle: string, dueText: string, link: string) {
	const first = name.split(' ')[0];
	const lines: Record<Exclude<ReminderKind, 'manager-digest'>, [string, string]> = {
		'due-14': [`Due in two weeks: ${courseTitle}`, `${courseTitle} is required for your role and is due by ${dueText}.`],
		'due-3': [`Due in 3 days: ${courseTitle}`, `${courseTitle} is due by ${dueText}. If you have started it, you can carry on where you stopped.`],
		overdue: [`Overdue: ${courseTitle}`, `${courseTitle} was due by ${dueText} and is not yet complete. Please complete it as soon as you can, or speak to your manager if something is in the way.`],
		'expiry-30': [`Time to renew: ${courseTitle}`, `Your training in ${courseTitle} runs out on ${dueText}. Take the course again before then to stay up to date.`]
	};
	const [subject, message] = lines[kind as Exclude<ReminderKind, 'manager-digest'>];
	return {
		subject,
		body: `Hello ${first},\n\n${message}\n\n${link}\n\nYou can turn off early reminders on your account page. Reminders about overdue training still come.`
	};
}

const ukDate = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' });

/**
 * Sends every reminder that is due now, exactly once: each is first claimed by inserting its
 * (person, course, kind, period) into reminder_log, whose unique key lets only one claim win,
 * however many instances or restarts run this. The claim and the outbox message are written in
 * one transaction; delivery happens after commit.
 */
export async function runReminders(db: Db, now = new Date(), options: { origin?: string; smtpUrl?: string } = {}) {
	const origin = options.origin ?? config.origin ?? `http://localhost:${process.env.PORT ?? 3000}`;
	const week = digestWeek(now);
	const queued = await db.transaction(async (tx) => {
		const claimedLearners = rowsOf<{ user_id: string; course_id: string; kind: ReminderKind; email: string; name: string; title: string; slug: string; kind_course: string; due: string }>(
			await tx.execute(sql`
				with c as (${candidatesSql(now)}),
				claimed as (
					insert into reminder_log (user_id, course_id, kind, period_key, sent_at)
					select user_id, course_id, kind, period_key, ${now.toISOString()}::timestamptz from c
					on conflict do nothing
					returning user_id, course_id, kind, period_key
				)
				select cl.user_id, cl.course_id, cl.kind, u.email, u.name, co.title, co.slug, co.kind as kind_course, c.effective_due as due
				from claimed cl
				join c on c.user_id = cl.user_id and c.course_id = cl.course_id and c.kind = cl.kind and c.period_key = cl.period_key
				join users u on u.id = cl.user_id join courses co on co.id = cl.course_id`)
		);
		const ids: string[] = [];
		for (const r of claimedLearners) {
			const link = `${origin}${r.kind_course === 'scorm' ? '/scorm/' : '/courses/'}${r.slug}`;
			ids.push(await queueEmail(tx, { to: r.email, ...learnerEmail(r.kind, r.name, r.title, r.due ? ukDate.format(new Date(r.due)) : 'soon', link) }));
		}
		let digests = 0;
		if (now.getTime() >= week.opensAt.getTime()) {
			const claimedManagers = rowsOf<{ user_id: string; email: string; name: string; overdue: number; lines: string }>(
				await tx.execute(sql`
					with s as (${statusRows({ organisationIds: null }, now)}),
					behind as (select * from s where s.status in ('overdue', 'expired')),
					managers as (
						select mo.user_id, count(*)::int as overdue,
							string_agg(distinct u.name || ' – ' || c.title || ' (' || case when b.status = 'expired' then 'expired' else 'overdue' end || ')', E'\n' order by u.name || ' – ' || c.title || ' (' || case when b.status = 'expired' then 'expired' else 'overdue' end || ')') as lines
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
			for (const m of claimedManagers) {
				digests++;
				ids.push(
					await queueEmail(tx, {
						to: m.email,
						subject: `Weekly training digest: ${m.overdue} overdue`,
						body: `Hello ${m.name.split(' ')[0]},\n\nThese people in your organisations have training that is overdue or has expired:\n\n${m.lines}\n\nSee the details and chase them up on your dashboard:\n${origin}/manage?status=overdue\n`
					})
				);
			}
		}
		return { ids, learners: claimedLearners.length, digests };
	});
	await deliverQueued(db, queued.ids, options.smtpUrl);
	if (queued.ids.length) logger.info('reminders sent', { learners: queued.learners, digests: queued.digests });
	return { learners: queued.learners, digests: queued.digests };
}
