import { and, asc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import {
	managerOrganisations,
	organisations,
	teams,
	users,
	type Audience,
	type UserStatus
} from '../db/schema.ts';

/**
 * People's SQL: takes a database or transaction and makes no permission decisions (the service
 * passes the organisations the actor may see).
 */

export interface PeopleQuery {
	/** null = every organisation */
	organisationIds: readonly string[] | null;
	q?: string;
	organisationId?: string;
	teamId?: string;
	audience?: Audience;
	role?: 'manager' | 'admin';
	status: 'active' | 'deactivated' | 'invited' | 'all';
	limit: number;
	offset: number;
}

/** The WHERE of a people search: the people list and "everyone matching this filter" share it. */
function peopleConditions(query: Omit<PeopleQuery, 'limit' | 'offset'>): SQL | undefined {
	const conditions: SQL[] = [];
	if (query.organisationIds !== null)
		conditions.push(
			query.organisationIds.length
				? inArray(users.organisationId, [...query.organisationIds])
				: sql`false`
		);
	if (query.q) {
		const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
		conditions.push(or(ilike(users.name, pattern), ilike(users.email, pattern))!);
	}
	if (query.organisationId) conditions.push(eq(users.organisationId, query.organisationId));
	if (query.teamId) conditions.push(eq(users.teamId, query.teamId));
	if (query.audience) conditions.push(eq(users.audience, query.audience));
	if (query.role === 'admin') conditions.push(eq(users.isAdmin, true));
	if (query.role === 'manager')
		conditions.push(
			sql`exists (select 1 from ${managerOrganisations} mo where mo.user_id = ${users.id})`
		);
	if (query.status === 'invited')
		conditions.push(and(eq(users.status, 'active'), sql`${users.passwordHash} is null`)!);
	else if (query.status !== 'all') conditions.push(eq(users.status, query.status));
	return conditions.length ? and(...conditions) : undefined;
}

/** What a bulk action (assigning a course) needs to know of each person: every match, or the given ids. */
export async function bulkPeopleRows(
	db: Db,
	query: Omit<PeopleQuery, 'limit' | 'offset'> | { ids: readonly string[] }
) {
	return db
		.select({
			id: users.id,
			organisationId: users.organisationId,
			audience: users.audience,
			status: users.status
		})
		.from(users)
		.where(
			'ids' in query
				? query.ids.length
					? inArray(users.id, [...query.ids])
					: sql`false`
				: peopleConditions(query)
		);
}

export async function listPeopleRows(db: Db, query: PeopleQuery) {
	const where = peopleConditions(query);
	const [rows, [count]] = await Promise.all([
		db
			.select({
				id: users.id,
				name: users.name,
				email: users.email,
				audience: users.audience,
				status: users.status,
				isAdmin: users.isAdmin,
				invited: sql<boolean>`${users.passwordHash} is null`,
				organisationName: organisations.name,
				teamName: teams.name,
				isManager: sql<boolean>`exists (select 1 from ${managerOrganisations} mo where mo.user_id = ${users.id})`
			})
			.from(users)
			.innerJoin(organisations, eq(organisations.id, users.organisationId))
			.leftJoin(teams, eq(teams.id, users.teamId))
			.where(where)
			.orderBy(asc(users.name), asc(users.email))
			.limit(query.limit)
			.offset(query.offset),
		db
			.select({ n: sql<number>`count(*)::int` })
			.from(users)
			.where(where)
	]);
	return { rows, total: count?.n ?? 0 };
}

/** One person with their organisation and team names, or null. */
export async function personRow(db: Db, id: string) {
	const [person] = await db
		.select({
			id: users.id,
			name: users.name,
			email: users.email,
			organisationId: users.organisationId,
			organisationName: organisations.name,
			teamId: users.teamId,
			teamName: teams.name,
			audience: users.audience,
			isAdmin: users.isAdmin,
			status: users.status,
			invited: sql<boolean>`${users.passwordHash} is null`,
			createdAt: users.createdAt
		})
		.from(users)
		.innerJoin(organisations, eq(organisations.id, users.organisationId))
		.leftJoin(teams, eq(teams.id, users.teamId))
		.where(eq(users.id, id));
	return person ?? null;
}

export async function managedOrganisationIdsOf(db: Db, userId: string): Promise<string[]> {
	const rows = await db
		.select({ organisationId: managerOrganisations.organisationId })
		.from(managerOrganisations)
		.where(eq(managerOrganisations.userId, userId));
	return rows.map((r) => r.organisationId);
}

export async function setStatus(db: Db, userId: string, status: UserStatus, now: Date) {
	await db.update(users).set({ status, updatedAt: now }).where(eq(users.id, userId));
}

/** Organisations (null = all) and their teams, by name. */
export async function organisationsWithTeams(db: Db, organisationIds: readonly string[] | null) {
	const orgs = await db
		.select({ id: organisations.id, name: organisations.name, kind: organisations.kind })
		.from(organisations)
		.where(
			organisationIds === null
				? undefined
				: organisationIds.length
					? inArray(organisations.id, [...organisationIds])
					: sql`false`
		)
		.orderBy(asc(organisations.name));
	const teamRows = orgs.length
		? await db
				.select({ id: teams.id, name: teams.name, organisationId: teams.organisationId })
				.from(teams)
				.where(
					inArray(
						teams.organisationId,
						orgs.map((o) => o.id)
					)
				)
				.orderBy(asc(teams.name))
		: [];
	return { organisations: orgs, teams: teamRows };
}

export async function setRemindersOptOut(db: Db, userId: string, optOut: boolean) {
	await db
		.update(users)
		.set({ remindersOptOut: optOut, updatedAt: new Date() })
		.where(eq(users.id, userId));
}

export async function remindersOptOut(db: Db, userId: string): Promise<boolean> {
	const [row] = await db
		.select({ optOut: users.remindersOptOut })
		.from(users)
		.where(eq(users.id, userId));
	return Boolean(row?.optOut);
}
