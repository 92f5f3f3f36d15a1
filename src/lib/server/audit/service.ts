import type { Db } from '../db/types.ts';
import { auditLog } from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { assertAdmin } from '../auth/permissions.ts';
import {
	auditActorsAndNames,
	auditEntries,
	auditEntriesAboutPerson,
	auditEntryCount,
	organisationChoices
} from './queries.ts';
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

type StoredEntry = Awaited<ReturnType<typeof auditEntries>>[number];

/** Entries with their plain-English sentences: every actor and name they need, in one query. */
async function withSentences(db: Db, rows: StoredEntry[]) {
	const records: AuditRecord[] = rows.map((r) => ({
		action: r.action,
		actor: null,
		targetType: r.targetType,
		targetId: r.targetId,
		organisationId: r.organisationId,
		reason: r.reason,
		details: r.details ?? {}
	}));
	const { actors, names } = await auditActorsAndNames(
		db,
		rows.flatMap((r) => (r.actorId ? [r.actorId] : [])),
		idsToName(records)
	);
	return rows.map((row, i) => {
		const record: AuditRecord = {
			...records[i]!,
			actor: row.actorId
				? (actors.get(row.actorId) ?? {
						id: row.actorId,
						name: 'A person no longer on record',
						role: null
					})
				: null
		};
		return { ...row, sentence: describeAuditEntry(record, names) };
	});
}

/** Admins only. Each entry comes with its plain-English sentence, names resolved. */
export async function listAudit(db: Db, actor: AuthUser, filter: AuditFilter) {
	assertAdmin(actor);
	const query = {
		action: filter.action,
		organisationId: filter.organisationId,
		targetId: filter.targetId,
		from: filter.from,
		to: filter.to
	};
	const [rows, total] = await Promise.all([
		auditEntries(db, {
			...query,
			limit: filter.pageSize,
			offset: (filter.page - 1) * filter.pageSize
		}).then((page) => withSentences(db, page)),
		auditEntryCount(db, query)
	]);
	return { rows, total };
}

/**
 * The newest entries about one person, as sentences, for their page. The caller decides whether
 * the actor may see this person (people.getPerson first; the drill-down reads them alongside the
 * query that decides, and drops them when it says no).
 */
export async function entriesAboutPerson(db: Db, personId: string, limit = 50) {
	return withSentences(db, await auditEntriesAboutPerson(db, personId, limit));
}

/** Admins only: the filter's choices, by readable names. */
export async function auditFilterChoices(db: Db, actor: AuthUser) {
	assertAdmin(actor);
	return { actions: auditActionChoices(), organisations: await organisationChoices(db) };
}
