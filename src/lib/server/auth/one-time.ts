import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { oneTimeTokens, type TokenKind } from '../db/schema.ts';
import { hashToken, randomToken } from './tokens.ts';

export const TOKEN_TTL_MS: Record<TokenKind, number> = {
	setup: 24 * 60 * 60 * 1000,
	invite: 7 * 24 * 60 * 60 * 1000,
	reset: 60 * 60 * 1000
};

/** Issues a single-use link token; earlier unused tokens of the same kind for the person stop working. */
export async function issueToken(
	db: Db,
	kind: TokenKind,
	userId: string | null,
	now = new Date()
): Promise<string> {
	const token = randomToken(20);
	if (userId) {
		await db
			.update(oneTimeTokens)
			.set({ usedAt: now })
			.where(
				and(
					eq(oneTimeTokens.userId, userId),
					eq(oneTimeTokens.kind, kind),
					isNull(oneTimeTokens.usedAt)
				)
			);
	}
	await db.insert(oneTimeTokens).values({
		tokenHash: hashToken(token),
		kind,
		userId,
		expiresAt: new Date(now.getTime() + TOKEN_TTL_MS[kind]),
		createdAt: now
	});
	return token;
}

const usable = (kind: TokenKind, token: string, now: Date) =>
	and(
		eq(oneTimeTokens.tokenHash, hashToken(token)),
		eq(oneTimeTokens.kind, kind),
		isNull(oneTimeTokens.usedAt),
		gt(oneTimeTokens.expiresAt, now)
	);

/** Whether a link still works, without using it up (for showing the form). */
export async function peekToken(db: Db, kind: TokenKind, token: string, now = new Date()) {
	if (token.length > 100) return null;
	const [row] = await db
		.select({ userId: oneTimeTokens.userId })
		.from(oneTimeTokens)
		.where(usable(kind, token, now));
	return row ?? null;
}

/** Uses the token up atomically: of two simultaneous requests only one succeeds. */
export async function consumeToken(db: Db, kind: TokenKind, token: string, now = new Date()) {
	if (token.length > 100) return null;
	const [row] = await db
		.update(oneTimeTokens)
		.set({ usedAt: now })
		.where(usable(kind, token, now))
		.returning({ userId: oneTimeTokens.userId });
	return row ?? null;
}
