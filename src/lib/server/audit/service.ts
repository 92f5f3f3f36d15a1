import { and, desc, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { auditLog, users } from '../db/schema.ts';

export interface AuditEntry {
	actorId: string | null;
	action: string;
	targetType: string;
	targetId?: string | null;
	organisationId?: string | null;
	reason?: string | null;
	details?: Record<string, unknown>;
}

/** Call inside the same transaction as the change, so the change and its record stand or fall together. */
export async function recordAudit(db: Db, entry: AuditEntry, at = new Date()): Promise<void> {
	await db.insert(auditLog).values({
		at,
		actorId: entry.actorId,
		action: entry.action,
		targetType: entry.targetType,
		targetId: entry.targetId ?? null,
		organisationId: entry.organisationId ?? null,
		reason: entry.reason ?? null,
		details: entry.details ?? {}
	});
}

export interface AuditFilter {
	action?: string;
	targetId?: string;
	from?: Date;
	to?: Date;
	page: number;
	pageSize: number;
}

export async function listAudit(db: Db, filter: AuditFilter) {
	const conditions: SQL[] = [];
	if (filter.action) conditions.push(eq(auditLog.action, filter.action));
	if (filter.targetId) conditions.push(eq(auditLog.targetId, filter.targetId));
	if (filter.from) conditions.push(gte(auditLog.at, filter.from));
	if (filter.to) conditions.push(lte(auditLog.at, filter.to));
	const where = conditions.length ? and(...conditions) : undefined;
	const rows = await db
		.select({
			id: auditLog.id,
			at: auditLog.at,
			action: auditLog.action,
			targetType: auditLog.targetType,
			targetId: auditLog.targetId,
			reason: auditLog.reason,
			details: auditLog.details,
			actorName: users.name
		})
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(where)
		.orderBy(desc(auditLog.at), desc(auditLog.id))
		.limit(filter.pageSize)
		.offset((filter.page - 1) * filter.pageSize);
	const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(where);
	return { rows, total: count?.n ?? 0 };
}
