import { and, asc, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
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
import type { AuditActor, AuditNames, NameKind } from './describe.ts';

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

export async function auditEntries(db: Db, query: AuditQuery) {
	const conditions: SQL[] = [];
	if (query.action) conditions.push(eq(auditLog.action, query.action));
	if (query.organisationId) conditions.push(eq(auditLog.organisationId, query.organisationId));
	if (query.targetType) conditions.push(eq(auditLog.targetType, query.targetType));
	if (query.targetId) conditions.push(eq(auditLog.targetId, query.targetId));
	if (query.from) conditions.push(gte(auditLog.at, query.from));
	if (query.to) conditions.push(lte(auditLog.at, query.to));
	const where = conditions.length ? and(...conditions) : undefined;
	const rows = await db
		.select({
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
		})
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(where)
		.orderBy(desc(auditLog.at), desc(auditLog.id))
		.limit(query.limit)
		.offset(query.offset);
	const [count] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(auditLog)
		.where(where);
	return { rows, total: count?.n ?? 0 };
}

/** Actors by id, with the role they have now. */
export async function auditActors(
	db: Db,
	ids: readonly string[]
): Promise<Map<string, AuditActor>> {
	if (ids.length === 0) return new Map();
	const people = await db
		.select({ id: users.id, name: users.name, isAdmin: users.isAdmin })
		.from(users)
		.where(inArray(users.id, [...ids]));
	const managers = new Set(
		(
			await db
				.selectDistinct({ userId: managerOrganisations.userId })
				.from(managerOrganisations)
				.where(inArray(managerOrganisations.userId, [...ids]))
		).map((m) => m.userId)
	);
	return new Map(
		people.map((p) => [
			p.id,
			{
				id: p.id,
				name: p.name,
				role: p.isAdmin ? ('admin' as const) : managers.has(p.id) ? ('manager' as const) : null
			}
		])
	);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The names entries refer to, one query per kind; ids that are not uuids (or no longer exist) stay unnamed. */
export async function auditNames(db: Db, ids: Record<NameKind, Set<string>>): Promise<AuditNames> {
	const list = (kind: NameKind) => [...ids[kind]].filter((id) => UUID.test(id));
	const named = async (
		kind: NameKind,
		lookup: (ids: string[]) => Promise<{ id: string; name: string }[]>
	) => {
		const wanted = list(kind);
		const rows = wanted.length ? await lookup(wanted) : [];
		return new Map(rows.map((r) => [r.id, r.name]));
	};
	const byName =
		(table: typeof users | typeof organisations | typeof teams | typeof localContacts) =>
		(wanted: string[]) =>
			db.select({ id: table.id, name: table.name }).from(table).where(inArray(table.id, wanted));
	const byTitle = (table: typeof events | typeof courses) => (wanted: string[]) =>
		db.select({ id: table.id, name: table.title }).from(table).where(inArray(table.id, wanted));
	/** Requirements, assignments, completions and packages are named by the course they are for. */
	const byCourse =
		(table: typeof requirements | typeof assignments | typeof completions | typeof scormPackages) =>
		(wanted: string[]) =>
			db
				.select({ id: table.id, name: courses.title })
				.from(table)
				.innerJoin(courses, eq(courses.id, table.courseId))
				.where(inArray(table.id, wanted));
	return {
		person: await named('person', byName(users)),
		organisation: await named('organisation', byName(organisations)),
		team: await named('team', byName(teams)),
		contact: await named('contact', byName(localContacts)),
		event: await named('event', byTitle(events)),
		course: await named('course', byTitle(courses)),
		requirement: await named('requirement', byCourse(requirements)),
		assignment: await named('assignment', byCourse(assignments)),
		completion: await named('completion', byCourse(completions)),
		scormPackage: await named('scormPackage', byCourse(scormPackages))
	};
}

/** Every organisation by name, for the filter. */
export async function organisationChoices(db: Db) {
	return db
		.select({ value: organisations.id, label: organisations.name })
		.from(organisations)
		.orderBy(asc(organisations.name));
}
