import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/types.ts';
import { scormSecrets } from '../db/schema-scorm.ts';

/**
 * Content addresses are capabilities: `/c/<version>/<expires>/<signature>/<path>`, signed with a
 * key kept in the database (so every instance shares it). Package files are only served to a
 * player that the platform launched, and only for a day.
 */
export const CONTENT_URL_TTL_SECONDS = 24 * 60 * 60;

let cached: Promise<Buffer> | undefined;

export function contentKey(db: Db): Promise<Buffer> {
	cached ??= (async () => {
		await db
			.insert(scormSecrets)
			.values({ id: 1, contentKey: randomBytes(32).toString('base64') })
			.onConflictDoNothing();
		const [row] = await db.select().from(scormSecrets);
		return Buffer.from(row!.contentKey, 'base64');
	})().catch((e: unknown) => {
		cached = undefined;
		throw e;
	});
	return cached;
}

/** For tests that open several databases in one process. */
export function forgetContentKey(): void {
	cached = undefined;
}

function signature(key: Buffer, versionId: string, expires: number): string {
	return createHmac('sha256', key)
		.update(`${versionId}.${expires}`)
		.digest('base64url')
		.slice(0, 32);
}

export function contentBase(key: Buffer, versionId: string, now = new Date()): string {
	const expires = Math.floor(now.getTime() / 1000) + CONTENT_URL_TTL_SECONDS;
	return `/c/${versionId}/${expires}/${signature(key, versionId, expires)}/`;
}

export function verifyContentSignature(
	key: Buffer,
	versionId: string,
	expires: string,
	sig: string,
	now = new Date()
): boolean {
	if (!/^\d{1,12}$/.test(expires) || Number(expires) < now.getTime() / 1000) return false;
	const expected = Buffer.from(signature(key, versionId, Number(expires)));
	const given = Buffer.from(sig);
	return given.length === expected.length && timingSafeEqual(given, expected);
}
