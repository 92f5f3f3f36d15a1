import { expect, test } from '@playwright/test';
import { createPostgresDatabase } from '../../helpers/test-db.ts';
import { makePerson, orgId } from '../../helpers/people.ts';
import { startTestSmtp } from '../../helpers/smtp.ts';
import { extraPort, startServer } from '../support/server.ts';
import { openDatabase } from '../../../src/lib/server/db/client.ts';
import { loadCatalogueFromDisk } from '../../../src/lib/server/courses/content-disk.ts';
import { registerCourses } from '../../../src/lib/server/courses/register.ts';
import { createRequirement } from '../../../src/lib/server/tracking/service.ts';
import { refreshObligations } from '../../../src/lib/server/tracking/queries.ts';
import { courses, users } from '../../../src/lib/server/db/schema.ts';
import { eq } from 'drizzle-orm';

/**
 * Two instances of the built app on one PostgreSQL database, each running the job queue, with a
 * real SMTP server: every reminder arrives exactly once, and restarting both sends nothing again.
 */
test('two app instances send each reminder exactly once, across restarts', async () => {
	test.setTimeout(150_000);
	const database = await createPostgresDatabase();
	const smtp = await startTestSmtp();
	const handle = await openDatabase({ databaseUrl: database.url, dataDir: '' });
	await registerCourses(handle.db, loadCatalogueFromDisk('content'));
	const [course] = await handle.db.select().from(courses).where(eq(courses.slug, 'signs-of-abuse'));
	const admin = await makePerson(handle.db, { email: 'admin@two.example', isAdmin: true });
	await createRequirement(
		handle.db,
		admin,
		{
			courseId: course!.id,
			organisationId: await orgId(handle.db, 'west-yorkshire-police'),
			audience: 'frontline',
			dueWithinDays: '0'
		},
		new Date(Date.now() - 20 * 86_400_000)
	);
	for (let i = 1; i <= 5; i++) {
		const p = await makePerson(handle.db, { email: `late${i}@two.example` });
		await handle.db
			.update(users)
			.set({ createdAt: new Date(Date.now() - 10 * 86_400_000) })
			.where(eq(users.id, p.id));
		await refreshObligations(handle.db, { userId: p.id });
	}
	await handle.close();
	// No SCORM content server: its default port (PORT + 1) is the second instance's port.
	const env = {
		DATABASE_URL: database.url,
		SMTP_URL: smtp.url,
		REMINDERS_CRON: '* * * * *',
		CONTENT_SERVER: 'off'
	};
	const start = () =>
		Promise.all([startServer(env, extraPort(40)), startServer(env, extraPort(41))]);
	let servers = await start();
	try {
		// The admin (also a front-line officer of the police) is overdue too: six learners.
		await expect.poll(() => smtp.received.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(6);
		// Let both instances' workers and the next minute's tick have their chance.
		await new Promise((r) => setTimeout(r, 65_000));
		const recipients = smtp.received.map((m) => m.to[0]).sort();
		expect(recipients).toEqual([
			'admin@two.example',
			'late1@two.example',
			'late2@two.example',
			'late3@two.example',
			'late4@two.example',
			'late5@two.example'
		]);
		expect(smtp.received.every((m) => m.subject.startsWith('Overdue:'))).toBe(true);

		await Promise.all(servers.map((s) => s.stop()));
		servers = await start();
		await new Promise((r) => setTimeout(r, 10_000));
		expect(smtp.received).toHaveLength(6);
	} finally {
		await Promise.all(servers.map((s) => s.stop()));
		await smtp.close();
		await database.drop();
	}
});
