import { desc, eq, inArray, sql } from 'drizzle-orm';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from '../db/types.ts';
import { outbox } from '../db/schema.ts';
import { config } from '../config.ts';
import { logger } from '../logger.ts';

export interface OutgoingEmail {
	to: string;
	subject: string;
	body: string;
}

const transports = new Map<string, Transporter>();
function smtpTransport(smtpUrl: string | undefined): Transporter | undefined {
	if (!smtpUrl) return undefined;
	let transport = transports.get(smtpUrl);
	if (!transport) transports.set(smtpUrl, (transport = nodemailer.createTransport(smtpUrl)));
	return transport;
}

/** Adds a message to the outbox, inside the caller's transaction; deliver it after commit. */
export async function queueEmail(db: Db, email: OutgoingEmail): Promise<string> {
	const [row] = await db.insert(outbox).values({ toAddress: email.to, subject: email.subject, body: email.body }).returning({ id: outbox.id });
	return row!.id;
}

/**
 * Sends queued messages by SMTP and marks each sent; failures are recorded on the message, not
 * thrown. Without SMTP the messages simply stay in the outbox for admins to read.
 */
export async function deliverQueued(db: Db, ids: string[], smtpUrl = config.smtpUrl): Promise<void> {
	const smtp = smtpTransport(smtpUrl);
	if (!ids.length) return;
	if (!smtp) {
		logger.info('emails kept in outbox (no SMTP_URL configured)', { count: ids.length });
		return;
	}
	const rows = await db.select().from(outbox).where(inArray(outbox.id, ids));
	for (const row of rows) {
		if (row.sentAt) continue;
		try {
			await smtp.sendMail({ from: config.mailFrom, to: row.toAddress, subject: row.subject, text: row.body });
			// Once delivered, the one-time link has no business staying readable in the database.
			await db.update(outbox).set({ sentAt: new Date(), error: null, body: withoutOneTimeLinks(row.body) }).where(eq(outbox.id, row.id));
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			logger.error('email could not be sent; kept in outbox', { outboxId: row.id, error: message });
			await db.update(outbox).set({ error: message.slice(0, 500) }).where(eq(outbox.id, row.id));
		}
	}
}

/**
 * Every message is kept in the outbox first, so nothing is lost if SMTP is down and admins can
 * read first-run invitations when no SMTP is configured. Sending failures are recorded, not thrown.
 */
export async function sendEmail(db: Db, email: OutgoingEmail): Promise<string> {
	const id = await queueEmail(db, email);
	await deliverQueued(db, [id]);
	return id;
}

export async function listOutbox(db: Db, page: number, pageSize: number) {
	const rows = await db
		.select()
		.from(outbox)
		.orderBy(desc(outbox.createdAt))
		.limit(pageSize)
		.offset((page - 1) * pageSize);
	const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(outbox);
	return { rows, total: count?.n ?? 0, smtpConfigured: Boolean(config.smtpUrl) };
}

/** Replaces the secret part of invitation, reset and setup links. */
export function withoutOneTimeLinks(body: string): string {
	return body.replace(/(\/(?:invite|reset-password|setup)\/)[a-z2-7]{16,}/g, '$1[link removed after sending]');
}
