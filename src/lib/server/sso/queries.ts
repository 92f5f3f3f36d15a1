import { and, desc, eq, gt, inArray, isNull, like, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import {
	auditLog,
	organisationSso,
	organisations,
	ssoFlows,
	ssoIdentities,
	ssoSeenAssertions,
	teams,
	users
} from '../db/schema.ts';

export type SsoConfigRow = typeof organisationSso.$inferSelect;
export type SsoFlowRow = typeof ssoFlows.$inferSelect;

export async function configForOrganisation(
	db: Db,
	organisationId: string
): Promise<SsoConfigRow | undefined> {
	const [row] = await db
		.select()
		.from(organisationSso)
		.where(eq(organisationSso.organisationId, organisationId));
	return row;
}

export async function organisationByKey(db: Db, key: string) {
	const [row] = await db
		.select({ id: organisations.id, key: organisations.key, name: organisations.name })
		.from(organisations)
		.where(eq(organisations.key, key));
	return row;
}

export async function organisationById(db: Db, id: string) {
	const [row] = await db
		.select({ id: organisations.id, key: organisations.key, name: organisations.name })
		.from(organisations)
		.where(eq(organisations.id, id));
	return row;
}

/** Enabled providers whose allowed domains include this one. */
export async function enabledConfigForDomain(db: Db, domain: string) {
	const [row] = await db
		.select({
			organisationId: organisationSso.organisationId,
			key: organisations.key,
			name: organisations.name,
			required: organisationSso.required,
			helpContact: organisationSso.helpContact
		})
		.from(organisationSso)
		.innerJoin(organisations, eq(organisations.id, organisationSso.organisationId))
		.where(
			and(eq(organisationSso.enabled, true), sql`${domain} = any(${organisationSso.emailDomains})`)
		)
		.limit(1);
	return row;
}

export async function buttonOrganisations(db: Db) {
	return db
		.select({ key: organisations.key, name: organisations.name })
		.from(organisationSso)
		.innerJoin(organisations, eq(organisations.id, organisationSso.organisationId))
		.where(and(eq(organisationSso.enabled, true), eq(organisationSso.showButton, true)))
		.orderBy(organisations.name);
}

/**
 * The organisations whose people must use single sign-on (switched on and required): of one
 * person (by id or email), of one organisation, or all of them.
 */
export async function requiredConfigs(
	db: Db,
	by: { userId?: string; email?: string; organisationId?: string } = {}
) {
	const conditions = [eq(organisationSso.enabled, true), eq(organisationSso.required, true)];
	if (by.organisationId) conditions.push(eq(organisations.id, by.organisationId));
	if (by.userId || by.email) {
		const person = by.userId ? eq(users.id, by.userId) : eq(users.email, by.email!);
		conditions.push(
			inArray(organisations.id, db.select({ id: users.organisationId }).from(users).where(person))
		);
	}
	return db
		.select({
			organisationId: organisations.id,
			organisationName: organisations.name,
			organisationKey: organisations.key,
			helpContact: organisationSso.helpContact
		})
		.from(organisationSso)
		.innerJoin(organisations, eq(organisations.id, organisationSso.organisationId))
		.where(and(...conditions));
}

export async function upsertConfig(db: Db, values: typeof organisationSso.$inferInsert) {
	const { organisationId: _key, ...rest } = values;
	await db
		.insert(organisationSso)
		.values(values)
		.onConflictDoUpdate({ target: organisationSso.organisationId, set: rest });
}

export async function insertFlow(db: Db, values: typeof ssoFlows.$inferInsert) {
	await db.insert(ssoFlows).values(values);
	await db.delete(ssoFlows).where(and(lt(ssoFlows.expiresAt, sql`now() - interval '1 day'`)));
}

export async function openFlow(db: Db, id: string, now: Date): Promise<SsoFlowRow | undefined> {
	const [row] = await db
		.select()
		.from(ssoFlows)
		.where(and(eq(ssoFlows.id, id), isNull(ssoFlows.usedAt), gt(ssoFlows.expiresAt, now)));
	return row;
}

export async function anyFlow(db: Db, id: string): Promise<SsoFlowRow | undefined> {
	const [row] = await db.select().from(ssoFlows).where(eq(ssoFlows.id, id));
	return row;
}

/** Marks the flow used; false when another request got there first (a replay). */
export async function spendFlow(db: Db, id: string, now: Date): Promise<boolean> {
	const rows = await db
		.update(ssoFlows)
		.set({ usedAt: now })
		.where(and(eq(ssoFlows.id, id), isNull(ssoFlows.usedAt)))
		.returning({ id: ssoFlows.id });
	return rows.length === 1;
}

export async function saveReport(db: Db, id: string, report: Record<string, unknown>) {
	await db.update(ssoFlows).set({ report }).where(eq(ssoFlows.id, id));
}

/** Records a SAML assertion id; false when it was already seen. */
export async function rememberAssertion(
	db: Db,
	assertionId: string,
	organisationId: string,
	expiresAt: Date,
	now: Date
): Promise<boolean> {
	await db.delete(ssoSeenAssertions).where(lt(ssoSeenAssertions.expiresAt, now));
	const rows = await db
		.insert(ssoSeenAssertions)
		.values({ assertionId, organisationId, expiresAt })
		.onConflictDoNothing()
		.returning({ id: ssoSeenAssertions.assertionId });
	return rows.length === 1;
}

export async function identity(db: Db, organisationId: string, subject: string) {
	const [row] = await db
		.select({
			userId: users.id,
			status: users.status,
			organisationId: users.organisationId,
			email: users.email
		})
		.from(ssoIdentities)
		.innerJoin(users, eq(users.id, ssoIdentities.userId))
		.where(
			and(eq(ssoIdentities.organisationId, organisationId), eq(ssoIdentities.subject, subject))
		);
	return row;
}

export async function personByEmail(db: Db, email: string) {
	const [row] = await db
		.select({
			id: users.id,
			status: users.status,
			organisationId: users.organisationId,
			name: users.name
		})
		.from(users)
		.where(eq(users.email, email));
	return row;
}

export async function linkIdentity(
	db: Db,
	organisationId: string,
	subject: string,
	userId: string,
	now: Date
) {
	await db.insert(ssoIdentities).values({ organisationId, subject, userId, createdAt: now });
}

export async function teamByName(db: Db, organisationId: string, name: string) {
	const [row] = await db
		.select({ id: teams.id, name: teams.name })
		.from(teams)
		.where(
			and(eq(teams.organisationId, organisationId), sql`lower(${teams.name}) = lower(${name})`)
		);
	return row;
}

export async function teamsOf(db: Db, organisationId: string) {
	return db
		.select({ id: teams.id, name: teams.name })
		.from(teams)
		.where(eq(teams.organisationId, organisationId))
		.orderBy(teams.name);
}

export async function insertPerson(
	db: Db,
	values: {
		email: string;
		name: string;
		organisationId: string;
		teamId: string | null;
		audience: 'frontline' | 'community';
	},
	now: Date
) {
	const [row] = await db
		.insert(users)
		.values({ ...values, createdAt: now, updatedAt: now })
		.returning({ id: users.id });
	return row!.id;
}

export async function lastStartFailure(
	db: Db,
	actorId: string,
	organisationId: string
): Promise<string | null> {
	const [row] = await db
		.select({ reason: auditLog.reason })
		.from(auditLog)
		.where(
			and(
				eq(auditLog.action, 'sso.refused'),
				eq(auditLog.actorId, actorId),
				eq(auditLog.organisationId, organisationId),
				like(auditLog.reason, 'could not start:%')
			)
		)
		.orderBy(desc(auditLog.at), desc(auditLog.id))
		.limit(1);
	return row?.reason ?? null;
}
