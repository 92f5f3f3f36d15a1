import { inArray } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db/types.ts';
import { outbox } from '../../src/lib/server/db/schema.ts';
import {
	deliverOutboxMessage,
	emailSettings,
	type EmailSettings
} from '../../src/lib/server/email/mailer.ts';

/** Settings for tests: retries within seconds instead of hours. */
export function testEmailSettings(
	smtpUrl: string | undefined,
	overrides: Partial<EmailSettings> = {}
): EmailSettings {
	return {
		...emailSettings({}),
		smtpUrl,
		retryLimit: 5,
		retryDelaySeconds: 1,
		retryDelayMaxSeconds: 2,
		pollSeconds: 0.5,
		ratePerSecond: 50,
		...overrides
	};
}

/**
 * Sends every waiting message once, the way one worker attempt would, for tests about what is
 * sent rather than how (the worker and its retries have their own tests).
 */
export async function drainOutbox(db: Db, smtpUrl: string): Promise<void> {
	const waiting = await db
		.select({ id: outbox.id })
		.from(outbox)
		.where(inArray(outbox.state, ['queued', 'retrying']));
	const settings = testEmailSettings(smtpUrl);
	for (const { id } of waiting)
		await deliverOutboxMessage(
			db,
			{ id, data: { outboxId: id }, retryCount: 0, retryLimit: 0 },
			settings
		);
}
