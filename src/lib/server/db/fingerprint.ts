import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from './types.ts';
import { startUpFingerprints } from './schema.ts';

/** A stable hash of named texts (order-independent by name). */
export function fingerprintOf(parts: Record<string, string>): string {
	const hash = createHash('sha256');
	for (const name of Object.keys(parts).sort()) hash.update(`${name}\0${parts[name]}\0`);
	return hash.digest('base64url');
}

/**
 * Runs start-up work (seeding from content/, registering courses) only when what it applies has
 * changed since it last succeeded in this database: one indexed read when nothing changed. The
 * work itself must be idempotent (two instances starting on new content may both run it); the
 * fingerprint is recorded only after it succeeds, so a failed run is retried at the next start.
 */
export async function whenChanged(
	db: Db,
	name: string,
	fingerprint: string,
	work: () => Promise<void>
): Promise<boolean> {
	const [row] = await db
		.select({ fingerprint: startUpFingerprints.fingerprint })
		.from(startUpFingerprints)
		.where(eq(startUpFingerprints.name, name));
	if (row?.fingerprint === fingerprint) return false;
	await work();
	await db
		.insert(startUpFingerprints)
		.values({ name, fingerprint })
		.onConflictDoUpdate({
			target: startUpFingerprints.name,
			set: { fingerprint, updatedAt: sql`now()` }
		});
	return true;
}
