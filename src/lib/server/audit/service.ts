import type { Db } from '../db/types.ts';
import { auditLog } from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { assertAdmin } from '../auth/permissions.ts';
import { auditActors, auditEntries, auditNames, organisationChoices } from './queries.ts';
import {
	auditActionChoices,
	describeAuditEntry,
	idsToName,
	type AuditAction,
	type AuditRecord
} from './describe.ts';

export type { AuditAction } from './describe.ts';

export interface AuditEntry {
	actorId: string | null;
	/** one of the kinds in describe.ts, each with its sentence for the audit log */
	action: AuditAction;
	targetType: string;
	targetId?: string | null;
	organisationId?: string | null;
	reason?: string | null;
	details?: Record<string, unknown>;
}

/** Call inside the same transaction as the change, so the change and its record stand or fall together. */
export async function recordAudit(db: Db, entry: AuditEntry, at = new Date()): Promise<void> {
	await recordAudits(db, [entry], at);
}

/** Many entries at once (a bulk change records one per thing changed), in batches. */
export async function recordAudits(db: Db, entries: AuditEntry[], at = new Date()): Promise<void> {
	for (let i = 0; i < entries.length; i += 1000)
		await db.insert(auditLog).values(
			entries.slice(i, i + 1000).map((entry) => ({
				at,
				actorId: entry.actorId,
				action: entry.action,
				targetType: entry.targetType,
				targetId: entry.targetId ?? null,
				organisationId: entry.organisationId ?? null,
				reason: entry.reason ?? null,
				details: entry.details ?? {}
			}))
		);
}

export interface AuditFilter {
	action?: string;
	organisationId?: string;
	targetId?: string;
	from?: Date;
	to?: Date;
	page: number;
	pageSize: number;
}

type StoredEntry = Awaited<ReturnType<typeof auditEntries>>['rows'][number];

/** Entries with their plain-English sentences, every name they need looked up once per kind. */
async function withSentences(db: Db, rows: StoredEntry[]) {
	const actors = await auditActors(db, [
		...new Set(rows.flatMap((r) => (r.actorId ? [r.actorId] : [])))
	]);
	const records: AuditRecord[] = rows.map((r) => ({
		action: r.action,
		actor: r.actorId
			? (actors.get(r.actorId) ?? {
					id: r.actorId,
					name: 'A person no longer on record',
					role: null
				})
			: null,
		targetType: r.targetType,
		targetId: r.targetId,
		organisationId: r.organisationId,
		reason: r.reason,
		details: r.details ?? {}
	}));
	const names = await auditNames(db, idsToName(records));
	return rows.map((row, i) => ({ ...row, sentence: describeAuditEntry(records[i]!, names) }));
}

/** Admins only. Each entry comes with its plain-English sentence, names resolved. */
export async function listAudit(db: Db, actor: AuthUser, filter: AuditFilter) {
	assertAdmin(actor);
	const { rows, total } = await auditEntries(db, {
		action: filter.action,
		organisationId: filter.organisationId,
		targetId: filter.targetId,
		from: filter.from,
		to: filter.to,
		limit: filter.pageSize,
		offset: (filter.page - 1) * filter.pageSize
	});
	return { rows: await withSentences(db, rows), total };
}

/**
 * The newest entries about one person, as sentences, for their page. The caller has already
 * decided the actor may see this person (people.getPerson).
 */
export async function entriesAboutPerson(db: Db, personId: string, limit = 50) {
	const { rows } = await auditEntries(db, {
		targetType: 'person',
		targetId: personId,
		limit,
		offset: 0
	});
	return withSentences(db, rows);
}

/** Admins only: the filter's choices, by readable names. */
export async function auditFilterChoices(db: Db, actor: AuthUser) {
	assertAdmin(actor);
	return { actions: auditActionChoices(), organisations: await organisationChoices(db) };
}
