import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { testDatabase, makePerson, orgId } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { serverUrl } from '../helpers/test-db.ts';
import { startTestSmtp } from '../helpers/smtp.ts';
import { drainOutbox } from '../helpers/email.ts';
import { closeTransports } from '../../src/lib/server/email/mailer.ts';
import { openDatabase } from '../../src/lib/server/db/client.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { completions, courses, users } from '../../src/lib/server/db/schema.ts';
import { createRequirement } from '../../src/lib/server/tracking/service.ts';
import { refreshObligations } from '../../src/lib/server/tracking/queries.ts';
import { digestWeek, runReminders } from '../../src/lib/server/reminders/service.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';

let t: TestDatabase;
let smtp: Awaited<ReturnType<typeof startTestSmtp>>;
// A Wednesday, 10:00 in London: after the digest opens for the week.
const NOW = new Date('2026-03-11T10:00:00Z');
const day = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * day);

async function person(
	email: string,
	joinedDaysAgo: number,
	extra: Partial<typeof users.$inferInsert> = {},
	opts: { organisationKey?: string; manages?: string[]; isAdmin?: boolean } = {}
): Promise<AuthUser> {
	const p = await makePerson(t.db, { email, ...opts });
	await t.db
		.update(users)
		.set({ createdAt: ago(joinedDaysAgo), ...extra })
		.where(eq(users.id, p.id));
	return p;
}

beforeAll(async () => {
	t = await testDatabase();
	smtp = await startTestSmtp();
	await registerCourses(t.db, courseCatalogue());
	const [abuse] = await t.db.select().from(courses).where(eq(courses.slug, 'signs-of-abuse'));
	const admin = await person(
		'admin@rem.example',
		900,
		{},
		{ organisationKey: 'kirklees-council', isAdmin: true }
	);
	await createRequirement(
		t.db,
		admin,
		{
			courseId: abuse!.id,
			organisationId: await orgId(t.db, 'west-yorkshire-police'),
			audience: 'frontline',
			dueWithinDays: '20',
			renewalMonths: '24'
		},
		ago(800)
	);
	await person('due-in-10@rem.example', 10);
	await person('due-in-2@rem.example', 18);
	await person('overdue-10@rem.example', 30);
	await person('long-overdue@rem.example', 20 + 7 * 6);
	const done = await person('done@rem.example', 60);
	await t.db.insert(completions).values({
		userId: done.id,
		courseId: abuse!.id,
		courseVersion: '1.0.0',
		completedAt: ago(40),
		source: 'native'
	});
	await person('gone@rem.example', 30, { status: 'deactivated' });
	await person('quiet@rem.example', 10, { remindersOptOut: true });
	await person('quiet-overdue@rem.example', 30, { remindersOptOut: true });
	const renewing = await person('renewing@rem.example', 800);
	const completedAt = new Date(NOW);
	completedAt.setUTCMonth(completedAt.getUTCMonth() - 24);
	await t.db.insert(completions).values({
		userId: renewing.id,
		courseId: abuse!.id,
		courseVersion: '1.0.0',
		completedAt: new Date(completedAt.getTime() + 20 * day),
		source: 'native'
	});
	await person('inspector@rem.example', 900, {}, { manages: ['west-yorkshire-police'] });
	// The set-up wrote joining dates, statuses and completions directly: store the obligations as
	// the services would have.
	await refreshObligations(t.db, {});
});
afterAll(async () => {
	closeTransports();
	await smtp?.close();
	await t?.close();
});

const sentTo = () => smtp.received.map((m) => `${m.to[0]} ${m.subject}`).sort();

describe('reminders', () => {
	it('go to the right people, once, even when two instances run at the same moment', async () => {
		// Two instances: separate connection pools to the same database.
		const second = serverUrl ? await openDatabase({ databaseUrl: t.url!, dataDir: '' }) : undefined;
		const runs = await Promise.all([
			runReminders(t.db, NOW, { origin: 'https://learning.example' }),
			// The second reads in batches of two rows: the same reminders, each once.
			runReminders(second?.db ?? t.db, NOW, { origin: 'https://learning.example', batchSize: 2 })
		]);
		await second?.close();
		await drainOutbox(t.db, smtp.url);
		expect(runs.reduce((n, r) => n + r.learners, 0)).toBe(5);
		expect(sentTo()).toEqual([
			'due-in-10@rem.example Due in two weeks: Recognising the signs of abuse and reporting concerns',
			'due-in-2@rem.example Due in 3 days: Recognising the signs of abuse and reporting concerns',
			'inspector@rem.example Weekly training digest: 4 overdue',
			'overdue-10@rem.example Overdue: Recognising the signs of abuse and reporting concerns',
			'quiet-overdue@rem.example Overdue: Recognising the signs of abuse and reporting concerns',
			'renewing@rem.example Time to renew: Recognising the signs of abuse and reporting concerns'
		]);
		const digest = smtp.received.find((m) => m.to[0] === 'inspector@rem.example')!;
		expect(digest.raw).toContain('overdue-10');
		expect(digest.raw).not.toContain('gone');
		// Opting out stops the early reminder, not the overdue one.
		expect(sentTo().some((m) => m.startsWith('quiet@'))).toBe(false);
		expect(smtp.received.find((m) => m.to[0] === 'due-in-10@rem.example')!.raw).toContain(
			'https://learning.example/courses/signs-of-abuse'
		);
	});

	it('do not repeat after a restart, and overdue ones come again only a week later, up to the cap', async () => {
		const before = smtp.received.length;
		await runReminders(t.db, new Date(NOW.getTime() + 3600_000));
		await drainOutbox(t.db, smtp.url);
		expect(smtp.received.length).toBe(before);
		await runReminders(t.db, new Date(NOW.getTime() + 7 * day));
		await drainOutbox(t.db, smtp.url);
		const newOnes = smtp.received
			.slice(before)
			.map((m) => `${m.to[0]} ${m.subject.split(':')[0]}`)
			.sort();
		// A week on: the two overdue learners again, the one who was due in 2 days is now overdue,
		// 3-day reminders (essential, so also for the learner who opted out of early ones), and next
		// week's manager digest. The long-overdue person passed the weekly cap long ago.
		expect(newOnes).toEqual([
			'due-in-10@rem.example Due in 3 days',
			'due-in-2@rem.example Overdue',
			'inspector@rem.example Weekly training digest',
			'overdue-10@rem.example Overdue',
			'quiet-overdue@rem.example Overdue',
			'quiet@rem.example Due in 3 days'
		]);
	});

	it('opens the manager digest on Monday at 08:00 UK time', () => {
		expect(digestWeek(new Date('2026-03-11T10:00:00Z'))).toEqual({
			label: '2026-W11',
			opensAt: new Date('2026-03-09T08:00:00Z')
		});
		// British Summer Time: 08:00 in London is 07:00 UTC.
		expect(digestWeek(new Date('2026-07-01T12:00:00Z')).opensAt).toEqual(
			new Date('2026-06-29T07:00:00Z')
		);
	});
});
