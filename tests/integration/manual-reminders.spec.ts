import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { testDatabase, makePerson, orgId } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { auditLog, courses, outbox, users } from '../../src/lib/server/db/schema.ts';
import { createRequirement } from '../../src/lib/server/tracking/service.ts';
import { sendManualReminders } from '../../src/lib/server/reminders/manual.ts';
import { refreshObligations } from '../../src/lib/server/tracking/queries.ts';
import { ForbiddenError, NotFoundError } from '../../src/lib/server/errors.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';

let t: TestDatabase;
const NOW = new Date('2026-03-11T10:00:00Z');
const day = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * day);
let manager: AuthUser;
let councilManager: AuthUser;
let late: AuthUser;
let early: AuthUser;
const ORIGIN = 'https://learning.example';

async function person(
	email: string,
	joinedDaysAgo: number,
	opts: { organisationKey?: string; manages?: string[]; isAdmin?: boolean } = {}
): Promise<AuthUser> {
	const p = await makePerson(t.db, { email, ...opts });
	await t.db
		.update(users)
		.set({ createdAt: ago(joinedDaysAgo) })
		.where(eq(users.id, p.id));
	return p;
}
const mailTo = async (email: string) =>
	t.db.select().from(outbox).where(eq(outbox.toAddress, email));

beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, courseCatalogue());
	const [abuse] = await t.db.select().from(courses).where(eq(courses.slug, 'signs-of-abuse'));
	const adminUser = await person('admin@manual.example', 900, {
		organisationKey: 'kirklees-council',
		isAdmin: true
	});
	for (const key of ['west-yorkshire-police', 'kirklees-council'])
		await createRequirement(
			t.db,
			adminUser,
			{
				courseId: abuse!.id,
				organisationId: await orgId(t.db, key),
				audience: 'frontline',
				dueWithinDays: '20',
				renewalMonths: '24'
			},
			ago(800)
		);
	late = await person('late@manual.example', 60);
	await person('later@manual.example', 90);
	early = await person('early@manual.example', 5);
	await person('council-late@manual.example', 60, { organisationKey: 'kirklees-council' });
	manager = await person('boss@manual.example', 5, { manages: ['west-yorkshire-police'] });
	councilManager = await person('council-boss@manual.example', 900, {
		organisationKey: 'kirklees-council',
		manages: ['kirklees-council']
	});
	// The set-up wrote joining dates directly: store the obligations as the services would have.
	await refreshObligations(t.db, {});
});
afterAll(async () => t?.close());

describe('reminders a manager sends', () => {
	it('go to everyone overdue in the view, only in their organisations, at most once a day each, audit-logged', async () => {
		const first = await sendManualReminders(t.db, manager, { overdueIn: { page: 1 } }, ORIGIN, NOW);
		expect(first).toEqual({ sent: 2, skipped: 0 });
		const [mail] = await mailTo('late@manual.example');
		expect(mail!.subject).toBe('Reminder: you have overdue training');
		expect(mail!.body).toContain(`${ORIGIN}/courses/signs-of-abuse`);
		expect(mail!.body).toContain('overdue since');
		expect(await mailTo('early@manual.example')).toHaveLength(0); // not overdue
		expect(await mailTo('council-late@manual.example')).toHaveLength(0); // not theirs
		const audit = await t.db
			.select()
			.from(auditLog)
			.where(and(eq(auditLog.action, 'reminder.sent'), eq(auditLog.actorId, manager.id)));
		expect(audit.map((a) => a.targetId).sort()).toEqual(
			[
				late.id,
				(await t.db.select().from(users).where(eq(users.email, 'later@manual.example')))[0]!.id
			].sort()
		);

		// Pressing again (or another manager pressing) within the day sends nothing more.
		expect(
			await sendManualReminders(
				t.db,
				manager,
				{ overdueIn: { page: 1 } },
				ORIGIN,
				new Date(NOW.getTime() + 3_600_000)
			)
		).toEqual({ sent: 0, skipped: 2 });
		expect(await mailTo('late@manual.example')).toHaveLength(1);
		// A day later it may go again.
		expect(
			await sendManualReminders(
				t.db,
				manager,
				{ personId: late.id },
				ORIGIN,
				new Date(NOW.getTime() + day + 1000)
			)
		).toEqual({ sent: 1, skipped: 0 });
		expect(await mailTo('late@manual.example')).toHaveLength(2);
	});

	it('to one person covers what they still have to do, and only a manager of theirs may send it', async () => {
		expect(await sendManualReminders(t.db, manager, { personId: early.id }, ORIGIN, NOW)).toEqual({
			sent: 1,
			skipped: 0
		});
		const [mail] = await mailTo('early@manual.example');
		expect(mail!.subject).toBe('Reminder: training to complete');
		expect(mail!.body).toContain('due by');
		const refused = await sendManualReminders(
			t.db,
			councilManager,
			{ personId: early.id },
			ORIGIN,
			NOW
		).catch((e: unknown) => e);
		expect(refused instanceof ForbiddenError || refused instanceof NotFoundError).toBe(true);
		// Filtering on an organisation they do not manage is refused too.
		const other = await sendManualReminders(
			t.db,
			councilManager,
			{ overdueIn: { page: 1, organisationId: await orgId(t.db, 'west-yorkshire-police') } },
			ORIGIN,
			NOW
		).catch((e: unknown) => e);
		expect(other).toBeInstanceOf(NotFoundError);
	});
});
