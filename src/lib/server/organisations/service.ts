import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import {
	organisationKinds,
	organisations,
	teams,
	users,
	type OrganisationKind
} from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import {
	assertAdmin,
	assertCanManageOrganisation,
	manageableOrganisationIds
} from '../auth/permissions.ts';
import { recordAudit } from '../audit/service.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { MAX_LONG_TEXT, MAX_TEXT, parseInput } from '../validation.ts';

export const ORGANISATION_KIND_LABELS: Record<OrganisationKind, string> = {
	council: 'Council',
	police: 'Police',
	fire: 'Fire and rescue',
	health: 'Health',
	probation: 'Probation',
	community: 'Community organisation'
};

const organisationSchema = z.object({
	name: z
		.string({ error: 'Enter the organisation name' })
		.trim()
		.min(2, 'Enter the organisation name')
		.max(MAX_TEXT, `Enter a name of ${MAX_TEXT} characters or fewer`),
	kind: z.enum(organisationKinds, { error: 'Choose the kind of organisation' }),
	description: z
		.string()
		.trim()
		.max(MAX_LONG_TEXT, `Enter a description of ${MAX_LONG_TEXT} characters or fewer`)
		.default('')
});

const teamSchema = z.object({
	name: z
		.string({ error: 'Enter the team name' })
		.trim()
		.min(2, 'Enter the team name')
		.max(MAX_TEXT, `Enter a name of ${MAX_TEXT} characters or fewer`)
});

function keyFromName(name: string): string {
	return (
		name
			.toLowerCase()
			.replace(/[^a-z0-9]+/g, '-')
			.replace(/^-|-$/g, '')
			.slice(0, 60) || 'organisation'
	);
}

/** Organisations the actor may see, with counts of active people and teams. */
export async function listOrganisationsWithCounts(db: Db, actor: AuthUser) {
	const scope = manageableOrganisationIds(actor);
	const rows = await db
		.select({
			id: organisations.id,
			name: organisations.name,
			kind: organisations.kind,
			description: organisations.description,
			people: sql<number>`(select count(*)::int from ${users} u where u.organisation_id = ${organisations.id} and u.status = 'active')`,
			teams: sql<number>`(select count(*)::int from ${teams} t where t.organisation_id = ${organisations.id})`
		})
		.from(organisations)
		.orderBy(asc(organisations.name));
	return scope === null ? rows : rows.filter((r) => scope.includes(r.id));
}

export async function getOrganisation(db: Db, actor: AuthUser, id: string) {
	if (!z.uuid().safeParse(id).success)
		throw new NotFoundError('We could not find that organisation.');
	const [org] = await db.select().from(organisations).where(eq(organisations.id, id));
	if (!org || !(actor.isAdmin || actor.managedOrganisationIds.includes(id)))
		throw new NotFoundError('We could not find that organisation.');
	const teamRows = await db
		.select({
			id: teams.id,
			name: teams.name,
			people: sql<number>`(select count(*)::int from ${users} u where u.team_id = ${teams.id} and u.status = 'active')`
		})
		.from(teams)
		.where(eq(teams.organisationId, id))
		.orderBy(asc(teams.name));
	return { ...org, teams: teamRows };
}

export async function createOrganisation(db: Db, actor: AuthUser, raw: unknown) {
	assertAdmin(actor);
	const input = parseInput(organisationSchema, raw);
	return db.transaction(async (tx) => {
		const [clash] = await tx
			.select({ id: organisations.id })
			.from(organisations)
			.where(sql`lower(${organisations.name}) = lower(${input.name})`);
		if (clash) throw new ValidationError({ name: 'An organisation with this name already exists' });
		let key = keyFromName(input.name);
		const [keyClash] = await tx
			.select({ id: organisations.id })
			.from(organisations)
			.where(eq(organisations.key, key));
		if (keyClash) key = `${key}-${crypto.randomUUID().slice(0, 6)}`;
		const [row] = await tx
			.insert(organisations)
			.values({ key, ...input })
			.returning({ id: organisations.id });
		await recordAudit(tx, {
			actorId: actor.id,
			action: 'organisation.created',
			targetType: 'organisation',
			targetId: row!.id,
			organisationId: row!.id,
			details: input
		});
		return row!;
	});
}

export async function updateOrganisation(db: Db, actor: AuthUser, id: string, raw: unknown) {
	assertAdmin(actor);
	const org = await getOrganisation(db, actor, id);
	const input = parseInput(organisationSchema, raw);
	await db.transaction(async (tx) => {
		await tx.update(organisations).set(input).where(eq(organisations.id, id));
		await recordAudit(tx, {
			actorId: actor.id,
			action: 'organisation.updated',
			targetType: 'organisation',
			targetId: id,
			organisationId: id,
			details: { from: { name: org.name, kind: org.kind, description: org.description }, to: input }
		});
	});
}

export async function createTeam(db: Db, actor: AuthUser, organisationId: string, raw: unknown) {
	await getOrganisation(db, actor, organisationId);
	assertCanManageOrganisation(actor, organisationId);
	const { name } = parseInput(teamSchema, raw);
	await db.transaction(async (tx) => {
		const [clash] = await tx
			.select({ id: teams.id })
			.from(teams)
			.where(
				and(eq(teams.organisationId, organisationId), sql`lower(${teams.name}) = lower(${name})`)
			);
		if (clash)
			throw new ValidationError({ name: 'This organisation already has a team with this name' });
		const [row] = await tx
			.insert(teams)
			.values({ organisationId, name })
			.returning({ id: teams.id });
		await recordAudit(tx, {
			actorId: actor.id,
			action: 'team.created',
			targetType: 'team',
			targetId: row!.id,
			organisationId,
			details: { name }
		});
	});
}

export async function renameTeam(
	db: Db,
	actor: AuthUser,
	organisationId: string,
	teamId: string,
	raw: unknown
) {
	const org = await getOrganisation(db, actor, organisationId);
	const team = org.teams.find((t) => t.id === teamId);
	if (!team) throw new NotFoundError('We could not find that team.');
	const { name } = parseInput(teamSchema, raw);
	await db.transaction(async (tx) => {
		const [clash] = await tx
			.select({ id: teams.id })
			.from(teams)
			.where(
				and(
					eq(teams.organisationId, organisationId),
					sql`lower(${teams.name}) = lower(${name})`,
					sql`${teams.id} <> ${teamId}`
				)
			);
		if (clash)
			throw new ValidationError({ name: 'This organisation already has a team with this name' });
		await tx.update(teams).set({ name }).where(eq(teams.id, teamId));
		await recordAudit(tx, {
			actorId: actor.id,
			action: 'team.renamed',
			targetType: 'team',
			targetId: teamId,
			organisationId,
			details: { from: team.name, to: name }
		});
	});
}
