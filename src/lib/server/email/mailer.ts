import { desc, eq, sql } from 'drizzle-orm';
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

let transport: Transporter | undefined;
function smtpTransport(): Transporter | undefined {
	if (!config.smtpUrl) return undefined;
	transport ??= nodemailer.createTransport(config.smtpUrl);
	return transport;
}

/**
 * Every message is kept in the outbox first, so nothing is lost if SMTP is down and admins can
 * read first-run invitations when no SMTP is configured. Sending failures are recorded, not thrown.
 */
export async function sendEmail(db: Db, email: OutgoingEmail): Promise<string> {
	const [row] = await db
		.insert(outbox)
		.values({ toAddress: email.to, subject: email.subject, body: email.body })
		.returning({ id: outbox.id });
	const id = row!.id;
	const smtp = smtpTransport();
	if (!smtp) {
		logger.info('email kept in outbox (no SMTP_URL configured)', { outboxId: id, subject: email.subject });
		return id;
	}
	try {
		await smtp.sendMail({ from: config.mailFrom, to: email.to, subject: email.subject, text: email.body });
		await db.update(outbox).set({ sentAt: new Date() }).where(eq(outbox.id, id));
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		logger.error('email could not be sent; kept in outbox', { outboxId: id, error: message });
		await db.update(outbox).set({ error: message.slice(0, 500) }).where(eq(outbox.id, id));
	}
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
