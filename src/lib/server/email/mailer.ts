import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Transporter } from 'nodemailer';
import type { PgBoss, JobWithMetadata } from 'pg-boss';
import type { Db } from '../db/types.ts';
import { outbox } from '../db/schema.ts';
import { config } from '../config.ts';
import { currentRequestId, logger, withRequestId } from '../logger.ts';
import { enqueue, queue } from '../jobs/queue.ts';
import { brandingFor } from '../partnership/branding-cache.ts';
import { renderPlainText, type EmailAttachment } from './templates.ts';
import { metrics } from '../metrics.ts';
import { insertMany } from '../db/bulk.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { assertAdmin } from '../auth/permissions.ts';

export type { EmailAttachment } from './templates.ts';

/**
 * Outgoing email. Every message is a row in `outbox` and a pg-boss job, both written in the
 * caller's transaction: if the change that causes the email rolls back, neither exists; once it
 * commits, a worker on any instance sends it through SMTP, retrying with backoff, and the row says
 * what happened (queued, retrying, sent, failed, kept) with the last error.
 */
export interface OutgoingEmail {
	to: string;
	subject: string;
	/** the plain-text part */
	body: string;
	/** the HTML part (from the templates module); made from the text when absent */
	html?: string;
	attachments?: EmailAttachment[];
	/** what kind of message, for the outbox and metrics: invitation, password-reset, reminder ... */
	kind?: string;
	/** the person the message is to or about (an invitee, say), so their manager can see its state */
	userId?: string | null;
}

export const EMAIL_QUEUE = 'email';
export type EmailState = 'queued' | 'retrying' | 'sent' | 'failed' | 'kept';

export interface EmailSettings {
	smtpUrl: string | undefined;
	/** retries after the first attempt */
	retryLimit: number;
	/** first retry delay; doubles each time (with jitter) up to retryDelayMaxSeconds */
	retryDelaySeconds: number;
	retryDelayMaxSeconds: number;
	/** messages per second this instance hands to the SMTP server */
	ratePerSecond: number;
	/** open SMTP connections (and messages in flight) per instance */
	connections: number;
	pollSeconds: number;
}

export function emailSettings(env: NodeJS.ProcessEnv = process.env): EmailSettings {
	const num = (v: string | undefined, fallback: number, min: number) => {
		const n = Number(v);
		return v?.trim() && Number.isFinite(n) && n >= min ? n : fallback;
	};
	return {
		smtpUrl: env.SMTP_URL?.trim() || undefined,
		retryLimit: num(env.SMTP_RETRY_LIMIT, 12, 0),
		retryDelaySeconds: num(env.SMTP_RETRY_DELAY_SECONDS, 60, 1),
		retryDelayMaxSeconds: num(env.SMTP_RETRY_DELAY_MAX_SECONDS, 3600, 1),
		ratePerSecond: num(env.SMTP_RATE_PER_SECOND, 5, 0.1),
		connections: Math.floor(num(env.SMTP_CONNECTIONS, 2, 1)),
		pollSeconds: num(env.EMAIL_POLL_SECONDS, 2, 0.5)
	};
}

/** Queues messages inside the caller's transaction (or as one statement on a plain connection). */
export async function queueEmails(db: Db, emails: OutgoingEmail[]): Promise<string[]> {
	if (!emails.length) return [];
	const branding = await brandingFor(db);
	const requestId = currentRequestId();
	const queued = Boolean(queue());
	const rows = emails.map((e) => ({
		id: randomUUID(),
		job_id: queued ? randomUUID() : null,
		to_address: e.to,
		subject: e.subject,
		body: e.body,
		html:
			e.html ??
			renderPlainText(e.subject, e.body, { name: branding.name, colour: branding.brandColour })
				.html,
		attachments: e.attachments ?? [],
		kind: e.kind ?? 'message',
		user_id: e.userId ?? null,
		request_id: requestId ?? null
	}));
	const columns = {
		id: 'uuid',
		job_id: 'uuid',
		to_address: 'text',
		subject: 'text',
		body: 'text',
		html: 'text',
		attachments: 'jsonb',
		kind: 'text',
		user_id: 'uuid',
		request_id: 'text'
	};
	for (let i = 0; i < rows.length; i += 1000)
		await insertMany(db, 'outbox', columns, rows.slice(i, i + 1000));
	// Without a queue in this process (a script), the rows alone wait for a worker's start-up sweep.
	if (queued)
		await enqueue(
			db,
			EMAIL_QUEUE,
			rows.map((r) => ({ id: r.job_id!, data: { outboxId: r.id, requestId } }))
		);
	return rows.map((r) => r.id);
}

/** Queues one message in the caller's transaction; see queueEmails. */
export async function queueEmail(db: Db, email: OutgoingEmail): Promise<string> {
	const [id] = await queueEmails(db, [email]);
	return id!;
}

/** The same as queueEmail: sending happens in the background, after the caller's commit. */
export const sendEmail = queueEmail;

const transports = new Map<string, Transporter>();
/** nodemailer (about 20 MB) is loaded with the first message sent, not at start-up. */
async function smtpTransport(settings: EmailSettings): Promise<Transporter | undefined> {
	if (!settings.smtpUrl) return undefined;
	const { default: nodemailer } = await import('nodemailer');
	const key = `${settings.smtpUrl}|${settings.ratePerSecond}|${settings.connections}`;
	let transport = transports.get(key);
	if (!transport) {
		transport = nodemailer.createTransport({
			url: settings.smtpUrl,
			pool: true,
			maxConnections: settings.connections,
			rateDelta: 1000,
			rateLimit: Math.max(1, Math.round(settings.ratePerSecond)),
			connectionTimeout: 10_000,
			greetingTimeout: 10_000,
			socketTimeout: 30_000
		} as Parameters<typeof import('nodemailer').createTransport>[0]);
		transports.set(key, transport);
	}
	return transport;
}

export function closeTransports(): void {
	for (const t of transports.values()) t.close();
	transports.clear();
}

interface EmailJob {
	outboxId: string;
	requestId?: string | null;
}

/** A 5xx SMTP answer: the server will never take this message, so retrying would not help. */
function isPermanent(error: unknown): boolean {
	const code = (error as { responseCode?: unknown })?.responseCode;
	return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * Sends one queued message. Throws to have pg-boss retry it later (temporary failures), returns
 * quietly when the message is done: sent, permanently refused, or kept (no SMTP configured).
 */
export async function deliverOutboxMessage(
	db: Db,
	job: Pick<JobWithMetadata<EmailJob>, 'id' | 'data' | 'retryCount' | 'retryLimit'>,
	settings: EmailSettings
): Promise<EmailState | 'gone'> {
	const [row] = await db.select().from(outbox).where(eq(outbox.id, job.data.outboxId));
	if (!row) return 'gone';
	if (row.state === 'sent' || row.state === 'failed' || row.state === 'kept') return row.state;
	const smtp = await smtpTransport(settings);
	if (!smtp) {
		await db.update(outbox).set({ state: 'kept' }).where(eq(outbox.id, row.id));
		logger.info('email kept in outbox (no SMTP_URL configured)', {
			outboxId: row.id,
			kind: row.kind
		});
		return 'kept';
	}
	const attemptAt = new Date();
	await db
		.update(outbox)
		.set({ attempts: sql`${outbox.attempts} + 1`, lastAttemptAt: attemptAt })
		.where(eq(outbox.id, row.id));
	try {
		await smtp.sendMail({
			from: config.mailFrom,
			to: row.toAddress,
			subject: row.subject,
			text: row.body,
			html: row.html ?? undefined,
			// The same Message-ID on every attempt lets a receiving server drop a duplicate.
			messageId: `<${row.id}@safer-learning>`,
			attachments: row.attachments.map((a) => ({
				filename: a.filename,
				contentType: a.contentType,
				content: a.contentBase64,
				encoding: 'base64'
			}))
		});
	} catch (error) {
		const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
		const last = job.retryCount >= job.retryLimit;
		const permanent = isPermanent(error);
		const state: EmailState = permanent || last ? 'failed' : 'retrying';
		await db.update(outbox).set({ state, error: message }).where(eq(outbox.id, row.id));
		if (state === 'failed') {
			metrics.emailsFailed.inc({ kind: row.kind });
			logger.error('email could not be sent; giving up', {
				outboxId: row.id,
				kind: row.kind,
				attempts: row.attempts + 1,
				error: message
			});
			return 'failed';
		}
		logger.warn('email not sent; will retry', {
			outboxId: row.id,
			kind: row.kind,
			attempt: row.attempts + 1,
			error: message
		});
		throw error;
	}
	// Once delivered, one-time links have no business staying readable in the database.
	await db
		.update(outbox)
		.set({
			state: 'sent',
			sentAt: new Date(),
			error: null,
			body: withoutOneTimeLinks(row.body),
			html: row.html ? withoutOneTimeLinks(row.html) : null
		})
		.where(eq(outbox.id, row.id));
	metrics.emailsSent.inc({ kind: row.kind });
	logger.info('email sent', { outboxId: row.id, kind: row.kind, attempts: row.attempts + 1 });
	return 'sent';
}

/** Creates (or updates) the email queue with the retry policy; every instance does this at start. */
export async function prepareEmailQueue(boss: PgBoss, settings: EmailSettings): Promise<void> {
	const policy = {
		retryLimit: settings.retryLimit,
		retryDelay: settings.retryDelaySeconds,
		retryBackoff: true,
		retryDelayMax: settings.retryDelayMaxSeconds,
		expireInSeconds: 300
	};
	if (await boss.getQueue(EMAIL_QUEUE)) await boss.updateQueue(EMAIL_QUEUE, policy);
	else await boss.createQueue(EMAIL_QUEUE, policy);
}

/**
 * Starts this instance's email worker. Messages queued where no job queue ran (a script, say)
 * have no job yet: they are given one here, each exactly once (row lock, skip locked).
 */
export async function startEmailWorker(
	db: Db,
	boss: PgBoss,
	settings: EmailSettings
): Promise<void> {
	await enqueueOrphans(db);
	await boss.work<
		EmailJob,
		void,
		{
			batchSize: 1;
			localConcurrency: number;
			includeMetadata: true;
			pollingIntervalSeconds: number;
		}
	>(
		EMAIL_QUEUE,
		{
			batchSize: 1,
			localConcurrency: settings.connections,
			includeMetadata: true,
			pollingIntervalSeconds: settings.pollSeconds
		},
		async ([job]) => {
			if (!job) return;
			await withRequestId(job.data.requestId || `job-${job.id}`, () =>
				deliverOutboxMessage(db, job, settings)
			);
		}
	);
}

export async function enqueueOrphans(db: Db): Promise<number> {
	return db.transaction(async (tx) => {
		const orphans = await tx
			.select({ id: outbox.id, requestId: outbox.requestId })
			.from(outbox)
			.where(and(sql`${outbox.jobId} is null`, inArray(outbox.state, ['queued', 'retrying'])))
			.limit(10_000)
			.for('update', { skipLocked: true });
		if (!orphans.length) return 0;
		const jobs = orphans.map((o) => ({
			id: randomUUID(),
			data: { outboxId: o.id, requestId: o.requestId }
		}));
		if (!(await enqueue(tx, EMAIL_QUEUE, jobs))) return 0;
		for (let i = 0; i < orphans.length; i++)
			await tx.update(outbox).set({ jobId: jobs[i]!.id }).where(eq(outbox.id, orphans[i]!.id));
		return orphans.length;
	});
}

/** Admins only: the outbox holds live invitation and reset links. */
export async function listOutbox(db: Db, actor: AuthUser, page: number, pageSize: number) {
	assertAdmin(actor);
	const rows = await db
		.select({
			id: outbox.id,
			toAddress: outbox.toAddress,
			subject: outbox.subject,
			body: outbox.body,
			createdAt: outbox.createdAt,
			sentAt: outbox.sentAt,
			state: outbox.state,
			attempts: outbox.attempts,
			lastAttemptAt: outbox.lastAttemptAt,
			error: outbox.error,
			kind: outbox.kind
		})
		.from(outbox)
		.orderBy(desc(outbox.createdAt))
		.limit(pageSize)
		.offset((page - 1) * pageSize);
	const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(outbox);
	return { rows, total: count?.n ?? 0, smtpConfigured: Boolean(emailSettings().smtpUrl) };
}

/** Delivery state of the newest invitation to each of these people (for their managers). */
export async function invitationStates(db: Db, userIds: string[]) {
	if (!userIds.length) return new Map<string, { state: EmailState; error: string | null }>();
	const rows = await db
		.selectDistinctOn([outbox.userId], {
			userId: outbox.userId,
			state: outbox.state,
			error: outbox.error
		})
		.from(outbox)
		.where(and(inArray(outbox.userId, userIds), eq(outbox.kind, 'invitation')))
		.orderBy(outbox.userId, desc(outbox.createdAt));
	return new Map(rows.map((r) => [r.userId!, { state: r.state as EmailState, error: r.error }]));
}

/** Replaces the secret part of invitation, reset and setup links. */
export function withoutOneTimeLinks(body: string): string {
	return body.replace(
		/(\/(?:invite|reset-password|setup)\/)[a-z2-7]{16,}/g,
		'$1[link removed after sending]'
	);
}
