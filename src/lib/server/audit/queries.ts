import { and, asc, desc, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import {
	assignments,
	auditLog,
	completions,
	courses,
	localContacts,
	managerOrganisations,
	organisations,
	requirements,
	teams,
	users
} from '../db/schema.ts';
import { events } from '../db/schema-events.ts';
import { scormPackages } from '../db/schema-scorm.ts';
import { NAME_KINDS, type AuditActor, type AuditNames, type NameKind } from './describe.ts';
import { rowsOf } from '../db/migrate.ts';
import { uuidList } from '../db/uuid-list.ts';
import { preparedPerDb } from '../db/prepared.ts';

export interface AuditQuery {
	action?: string;
	organisationId?: string;
	targetType?: string;
	targetId?: string;
	from?: Date;
	to?: Date;
	limit: number;
	offset: number;
}

function auditWhere(query: Omit<AuditQuery, 'limit' | 'offset'>) {
	const conditions: SQL[] = [];
	if (query.action) conditions.push(eq(auditLog.action, query.action));
	if (query.organisationId) conditions.push(eq(auditLog.organisationId, query.organisationId));
	if (query.targetType) conditions.push(eq(auditLog.targetType, query.targetType));
	if (query.targetId) conditions.push(eq(auditLog.targetId, query.targetId));
	if (query.from) conditions.push(gte(auditLog.at, query.from));
	if (query.to) conditions.push(lte(auditLog.at, query.to));
	return conditions.length ? and(...conditions) : undefined;
}

/** What an entry shows: the stored fields and the actor's name. */
const entryFields = {
	id: auditLog.id,
	at: auditLog.at,
	actorId: auditLog.actorId,
	action: auditLog.action,
	targetType: auditLog.targetType,
	targetId: auditLog.targetId,
	organisationId: auditLog.organisationId,
	reason: auditLog.reason,
	details: auditLog.details,
	actorName: users.name
};

/** One page of entries, newest first. */
export async function auditEntries(db: Db, query: AuditQuery) {
	return db
		.select(entryFields)
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(auditWhere(query))
		.orderBy(desc(auditLog.at), desc(auditLog.id))
		.limit(query.limit)
		.offset(query.offset);
}

/** The newest entries about one person, prepared once: every person's page shows them. */
const entriesAboutPersonQuery = preparedPerDb((db) =>
	db
		.select(entryFields)
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(
			and(eq(auditLog.targetType, 'person'), eq(auditLog.targetId, sql.placeholder('personId')))
		)
		.orderBy(desc(auditLog.at), desc(auditLog.id))
		.limit(sql.placeholder('limit'))
		.prepare('audit_entries_about_person')
);

export function auditEntriesAboutPerson(db: Db, personId: string, limit: number) {
	return entriesAboutPersonQuery(db).execute({ personId, limit });
}

/** How many entries the query matches, over every page. */
export async function auditEntryCount(db: Db, query: Omit<AuditQuery, 'limit' | 'offset'>) {
	const [count] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(auditLog)
		.where(auditWhere(query));
	return count?.n ?? 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How each kind of name is found: the table, and the column that names a row (or its course's title). */
const NAME_SOURCES: Record<NameKind, (ids: SQL) => SQL> = {
	person: (ids) => sql`select id, name from ${users} where id in (${ids})`,
	organisation: (ids) => sql`select id, name from ${organisations} where id in (${ids})`,
	team: (ids) => sql`select id, name from ${teams} where id in (${ids})`,
	contact: (ids) => sql`select id, name from ${localContacts} where id in (${ids})`,
	event: (ids) => sql`select id, title from ${events} where id in (${ids})`,
	course: (ids) => sql`select id, title from ${courses} where id in (${ids})`,
	// requirements, assignments, completions and packages are named by the course they are for
	requirement: (ids) => byCourse(requirements, ids),
	assignment: (ids) => byCourse(assignments, ids),
	completion: (ids) => byCourse(completions, ids),
	scormPackage: (ids) => byCourse(scormPackages, ids)
};
function byCourse(
	table: typeof requirements | typeof assignments | typeof completions | typeof scormPackages,
	ids: SQL
) {
	return sql`select t.id, c.title from ${table} t join ${courses} c on c.id = t.course_id where t.id in (${ids})`;
}

/**
 * The actors of some entries (with the role each has now) and every name the entries refer to,
 * in one query: each kind of name is a branch of one union. Ids that are not uuids (or no longer
 * exist) stay unnamed.
 */
export async function auditActorsAndNames(
	db: Db,
	actorIds: readonly string[],
	ids: Record<NameKind, Set<string>>
): Promise<{ actors: Map<string, AuditActor>; names: AuditNames }> {
	const branches: SQL[] = [];
	const actors = [...new Set(actorIds)].filter((id) => UUID.test(id));
	if (actors.length)
		branches.push(sql`select 'actor' as kind, u.id::text as id, u.name,
			case when u.is_admin then 'admin' when exists (select 1 from ${managerOrganisations} m where m.user_id = u.id) then 'manager' end as role
			from ${users} u where u.id in (${uuidList(actors)})`);
	for (const kind of NAME_KINDS) {
		const wanted = [...ids[kind]].filter((id) => UUID.test(id));
		if (wanted.length)
			branches.push(
				sql`select ${kind}::text as kind, n.id::text as id, n.name, null as role from (${NAME_SOURCES[kind](uuidList(wanted))}) as n(id, name)`
			);
	}
	const names = Object.fromEntries(
		NAME_KINDS.map((k) => [k, new Map<string, string>()])
	) as AuditNames;
	const found = new Map<string, AuditActor>();
	if (!branches.length) return { actors: found, names };
	const rows = rowsOf<{ kind: NameKind | 'actor'; id: string; name: string; role: string | null }>(
		await db.execute(sql.join(branches, sql` union all `))
	);
	for (const row of rows) {
		if (row.kind === 'actor')
			found.set(row.id, {
				id: row.id,
				name: row.name,
				role: row.role === 'admin' ? 'admin' : row.role === 'manager' ? 'manager' : null
			});
		else names[row.kind].set(row.id, row.name);
	}
	return { actors: found, names };
}

/** Every organisation by name, for the filter. */
export async function organisationChoices(db: Db) {
	return db
		.select({ value: organisations.id, label: organisations.name })
		.from(organisations)
		.orderBy(asc(organisations.name));
}
