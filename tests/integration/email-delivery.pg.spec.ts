import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray, sql } from 'drizzle-orm';
import { PgBoss } from 'pg-boss';
import { testDatabase, makePerson } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { startTestSmtp } from '../helpers/smtp.ts';
import { testEmailSettings } from '../helpers/email.ts';
import { openDatabase, type DatabaseHandle } from '../../src/lib/server/db/client.ts';
import { outbox } from '../../src/lib/server/db/schema.ts';
import { rowsOf } from '../../src/lib/server/db/migrate.ts';
import { startQueue, stopQueue } from '../../src/lib/server/jobs/queue.ts';
import {
	closeTransports,
	prepareEmailQueue,
	sendEmail,
	startEmailWorker,
	type EmailSettings
} from '../../src/lib/server/email/mailer.ts';
import { invitationDelivery, invitePerson } from '../../src/lib/server/people/service.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { withRequestId } from '../../src/lib/server/logger.ts';

/**
 * Email as jobs against a real SMTP server (smtp-server) and pg-boss on real PostgreSQL, with
 * several instances (each its own connection pool and pg-boss) sharing the database.
 */
let t: TestDatabase;
let admin: AuthUser;
const ctx = { origin: 'https://learning.example', partnershipName: 'Safer Kirklees' };
const extra: { boss: PgBoss; handle: DatabaseHandle }[] = [];

/** Another instance: its own pool and pg-boss on the same database, running the email worker. */
async function otherInstance(settings: EmailSettings) {
	const handle = await openDatabase({ databaseUrl: t.url!, dataDir: '' });
	const boss = new PgBoss({ connectionString: t.url!, schema: 'pgboss', max: 2 });
	boss.on('error', () => {});
	await boss.start();
	await prepareEmailQueue(boss, settings);
	await startEmailWorker(handle.db, boss, settings);
	extra.push({ boss, handle });
	return { boss, handle };
}

/** This process's own queue (the one services enqueue through), with its worker. */
async function thisInstance(settings: EmailSettings) {
	const boss = await startQueue(t, { work: true });
	await prepareEmailQueue(boss, settings);
	await startEmailWorker(t.db, boss, settings);
}

async function emailJobStates() {
	return rowsOf<{ state: string; n: number }>(
		await t.db.execute(
			sql`select state, count(*)::int as n from pgboss.job where name = 'email' group by state order by state`
		)
	);
}

beforeAll(async () => {
	t = await testDatabase();
	admin = await makePerson(t.db, {
		email: 'admin@mail.example',
		isAdmin: true,
		organisationKey: 'kirklees-council'
	});
});
/** Stops every instance and closes SMTP connections (the test server waits for them to close). */
async function shutdown() {
	await stopQueue();
	for (const { boss, handle } of extra.splice(0)) {
		await boss.stop({ graceful: true, timeout: 5000 });
		await handle.close();
	}
	closeTransports();
}

afterEach(async () => {
	await shutdown();
	await t.db.delete(outbox);
	await t.db.execute(sql`delete from pgboss.job where name = 'email'`);
});
afterAll(async () => t?.close());

const invite = (i: number, organisationId: string) =>
	invitePerson(
		t.db,
		admin,
		{
			name: `Person ${i}`,
			email: `person${i}@mail.example`,
			organisationId,
			audience: 'frontline'
		},
		ctx
	);

describe('email as jobs', () => {
	it('is queued with the change that causes it: a rolled-back change sends nothing', async () => {
		const smtp = await startTestSmtp();
		try {
			await thisInstance(testEmailSettings(smtp.url));
			await expect(
				t.db.transaction(async (tx) => {
					await sendEmail(tx, {
						to: 'nobody@mail.example',
						subject: 'Never',
						body: 'This change rolls back.'
					});
					throw new Error('the change failed');
				})
			).rejects.toThrow('the change failed');
			expect(await t.db.select().from(outbox)).toHaveLength(0);
			expect(await emailJobStates()).toEqual([]);
			// A committed one is both a row and a job, carries the request's id, and arrives.
			const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n';
			const attachments = [
				{
					filename: 'session.ics',
					contentType: 'text/calendar',
					contentBase64: Buffer.from(ics).toString('base64')
				}
			];
			const id = await withRequestId('request-abc-123', () =>
				sendEmail(t.db, {
					to: 'somebody@mail.example',
					subject: 'Committed',
					body: 'This one commits.',
					attachments
				})
			);
			const [job] = rowsOf<{ request_id: string }>(
				await t.db.execute(
					sql`select data->>'requestId' as request_id from pgboss.job where name = 'email' and data->>'outboxId' = ${id}`
				)
			);
			expect(job?.request_id).toBe('request-abc-123');
			await expect.poll(() => smtp.received.length, { timeout: 20_000 }).toBe(1);
			expect(smtp.received[0]!.to).toEqual(['somebody@mail.example']);
			// Attachments (calendar invitations, say) go as their own MIME part.
			expect(smtp.received[0]!.raw).toMatch(/Content-Type: text\/calendar; name=session\.ics/);
			expect(smtp.received[0]!.raw).toContain(Buffer.from(ics).toString('base64'));
			expect((await t.db.select().from(outbox).where(eq(outbox.id, id)))[0]!.requestId).toBe(
				'request-abc-123'
			);
		} finally {
			await shutdown();
			await smtp.close();
		}
	});

	it('arrives exactly once after refused deliveries, across a restart and with two instances', async () => {
		const smtp = await startTestSmtp({ refuseFirst: 2 });
		try {
			const settings = testEmailSettings(smtp.url);
			const organisationId = admin.organisationId;
			await thisInstance(settings);
			await otherInstance(settings);
			const people = 8;
			for (let i = 0; i < people; i++) await invite(i, organisationId);
			// Restart this instance while messages are between retries.
			await expect.poll(() => smtp.refused(), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
			await stopQueue();
			await thisInstance(settings);
			await expect
				.poll(
					async () =>
						(await t.db.select({ state: outbox.state }).from(outbox)).filter(
							(r) => r.state === 'sent'
						).length,
					{ timeout: 60_000 }
				)
				.toBe(people);
			const recipients = smtp.received.map((m) => m.to[0]).sort();
			expect(recipients).toEqual(
				Array.from({ length: people }, (_, i) => `person${i}@mail.example`).sort()
			);
			expect(smtp.refused()).toBe(people * 2);
			const rows = await t.db.select().from(outbox);
			expect(
				rows.every(
					(r) => r.attempts === 3 && r.error === null && r.sentAt && r.kind === 'invitation'
				)
			).toBe(true);
			// The link worked in the message and is gone from the stored copy, text and HTML.
			const mail = smtp.received[0]!.raw;
			expect(mail).toMatch(/https:\/\/learning\.example\/invite\/[a-z2-7]{20,}/);
			expect(mail).toContain('Content-Type: text/html');
			expect(
				rows.every(
					(r) =>
						!/\/invite\/[a-z2-7]{16,}/.test(r.body + r.html) &&
						r.body.includes('[link removed after sending]')
				)
			).toBe(true);
			// Every job is done: nothing is left to send it again. (A worker marks its job completed just
			// after the message is accepted, so the last one may still be finishing for a moment.)
			await expect
				.poll(() => emailJobStates(), { timeout: 10_000 })
				.toEqual([{ state: 'completed', n: people }]);
		} finally {
			await shutdown();
			await smtp.close();
		}
	});

	it('gives up on a permanent refusal at once and shows the error; retries run out on a temporary one', async () => {
		const permanent = await startTestSmtp({ refuseFirst: 100, refuseWith: 550 });
		try {
			await thisInstance(testEmailSettings(permanent.url));
			const { id: personId } = await invite(100, admin.organisationId);
			await expect
				.poll(
					async () =>
						(await t.db.select().from(outbox).where(eq(outbox.userId, personId)))[0]!.state,
					{ timeout: 20_000 }
				)
				.toBe('failed');
			const [row] = await t.db.select().from(outbox).where(eq(outbox.userId, personId));
			expect(row!.attempts).toBe(1);
			expect(row!.error).toMatch(/550/);
			// The manager who invited them sees it on the person's page.
			expect(await invitationDelivery(t.db, admin, personId)).toEqual({
				state: 'failed',
				error: row!.error
			});
		} finally {
			await shutdown();
			await permanent.close();
		}
		const busy = await startTestSmtp({ refuseFirst: 100 });
		try {
			await thisInstance(testEmailSettings(busy.url, { retryLimit: 2 }));
			const id = await sendEmail(t.db, {
				to: 'busy@mail.example',
				subject: 'Hello',
				body: 'Hello',
				kind: 'test'
			});
			await expect
				.poll(async () => (await t.db.select().from(outbox).where(eq(outbox.id, id)))[0]!.state, {
					timeout: 30_000
				})
				.toBe('failed');
			const [row] = await t.db.select().from(outbox).where(eq(outbox.id, id));
			expect(row!.attempts).toBe(3);
			expect(row!.error).toMatch(/451/);
			expect(busy.received).toHaveLength(0);
		} finally {
			await shutdown();
			await busy.close();
		}
	});

	it('keeps messages in the outbox when no SMTP server is configured, and sends messages queued without a queue once one starts', async () => {
		// Queued by a process with no job queue (a script): a row without a job.
		const id = await sendEmail(t.db, { to: 'later@mail.example', subject: 'Later', body: 'Hello' });
		expect((await t.db.select().from(outbox).where(eq(outbox.id, id)))[0]!.jobId).toBeNull();
		await thisInstance(testEmailSettings(undefined));
		await expect
			.poll(
				async () =>
					(
						await t.db
							.select()
							.from(outbox)
							.where(inArray(outbox.id, [id]))
					)[0]!.state,
				{ timeout: 20_000 }
			)
			.toBe('kept');
	});
});
