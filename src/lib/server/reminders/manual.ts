import { sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { rowsOf } from '../db/migrate.ts';
import type { StatusScope } from '../tracking/status.ts';
import { statusRows } from '../tracking/queries.ts';
import { dashboardScope, type DashboardFilter } from '../tracking/service.ts';
import { visiblePersonRow } from '../people/service.ts';
import { queueEmail } from '../email/mailer.ts';
import { recordAudit } from '../audit/service.ts';
import { logger } from '../logger.ts';

/** A manager can remind a person at most once in this many hours, however many times they press. */
export const MANUAL_REMINDER_GAP_HOURS = 24;

const ukDate = new Intl.DateTimeFormat('en-GB', {
	timeZone: 'Europe/London',
	day: 'numeric',
	month: 'long',
	year: 'numeric'
});

export type ReminderTarget = { personId: string } | { overdueIn: DashboardFilter };

/**
 * A manager's reminder, to one person (about every required course they have not completed) or
 * to everyone overdue in a dashboard filter (about their overdue courses). The one place manual
 * reminders are sent: each person is claimed in reminder_log (kind 'manual', at most once per
 * MANUAL_REMINDER_GAP_HOURS), the email queued and the reminder audit-logged in one transaction,
 * then delivered through the same outbox as scheduled reminders.
 */
export async function sendManualReminders(
	db: Db,
	actor: AuthUser,
	target: ReminderTarget,
	origin: string,
	now = new Date()
) {
	let scope: StatusScope;
	let statuses: string[];
	if ('personId' in target) {
		const person = await visiblePersonRow(db, actor, target.personId); // checks the actor manages them
		scope = { organisationIds: null, userId: person.id };
		statuses = ['overdue', 'expired', 'due-soon', 'not-started', 'in-progress'];
	} else {
		scope = dashboardScope(actor, target.overdueIn);
		statuses = ['overdue'];
	}
	const since = new Date(now.getTime() - MANUAL_REMINDER_GAP_HOURS * 3_600_000);
	const result = await db.transaction(async (tx) => {
		const rows = rowsOf<{
			user_id: string;
			name: string;
			email: string;
			organisation_id: string;
			title: string;
			slug: string;
			kind: string;
			status: string;
			due: string | null;
		}>(
			await tx.execute(sql`
				with s as (${statusRows(scope, now)})
				select s.user_id, u.name, u.email, s.organisation_id, c.title, c.slug, c.kind, s.status, s.effective_due as due
				from s join users u on u.id = s.user_id join courses c on c.id = s.course_id
				where s.status in (${sql.join(
					statuses.map((v) => sql`${v}`),
					sql`, `
				)}) and u.status = 'active'
				order by u.name, c.title`)
		);
		const byPerson = new Map<string, typeof rows>();
		for (const r of rows) byPerson.set(r.user_id, [...(byPerson.get(r.user_id) ?? []), r]);
		const ids: string[] = [];
		let skipped = 0;
		for (const [userId, courses] of byPerson) {
			// Rate limit per person: a manual reminder in the last gap (by anyone) means not again yet.
			// The lock makes two managers pressing at once send one reminder, not two.
			await tx.execute(
				sql`select pg_advisory_xact_lock(hashtext('manual-reminder'), hashtext(${userId}))`
			);
			const recent = rowsOf<{ n: number }>(
				await tx.execute(
					sql`select count(*)::int as n from reminder_log where user_id = ${userId}::uuid and kind = 'manual' and sent_at > ${since.toISOString()}::timestamptz`
				)
			);
			if ((recent[0]?.n ?? 0) > 0) {
				skipped++;
				continue;
			}
			await tx.execute(
				sql`insert into reminder_log (user_id, course_id, kind, period_key, sent_at) values (${userId}::uuid, null, 'manual', ${now.toISOString()}, ${now.toISOString()}::timestamptz)`
			);
			const first = courses[0]!;
			const lines = courses
				.map(
					(c) =>
						`- ${c.title}: ${c.status === 'overdue' ? 'overdue since' : c.status === 'expired' ? 'expired on' : 'due by'} ${c.due ? ukDate.format(new Date(c.due)) : 'soon'}\n  ${origin}${c.kind === 'scorm' ? '/scorm/' : '/courses/'}${c.slug}`
				)
				.join('\n');
			ids.push(
				await queueEmail(tx, {
					to: first.email,
					subject: courses.some((c) => c.status === 'overdue')
						? 'Reminder: you have overdue training'
						: 'Reminder: training to complete',
					body: `Hello ${first.name.split(' ')[0]},\n\n${actor.name} has asked us to remind you about this training:\n\n${lines}\n\nYou can stop at any time and carry on later from My learning:\n${origin}/\n`
				})
			);
			await recordAudit(
				tx,
				{
					actorId: actor.id,
					action: 'reminder.sent',
					targetType: 'person',
					targetId: userId,
					organisationId: first.organisation_id,
					details: { courses: courses.map((c) => c.title) }
				},
				now
			);
		}
		return { ids, sent: ids.length, skipped };
	});
	// Queued in the same transaction as the audit entry: a worker sends them, with retries.
	if (result.sent)
		logger.info('manual reminders sent', { sent: result.sent, skipped: result.skipped });
	return { sent: result.sent, skipped: result.skipped };
}
