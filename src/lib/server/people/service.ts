import { and, asc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import {
	audiences,
	auditLog,
	managerOrganisations,
	organisations,
	teams,
	users,
	type Audience,
	type UserStatus
} from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { invalidateUserSessions } from '../auth/sessions.ts';
import { forgetCachedSessions } from '../auth/session-cache.ts';
import { assertAdmin, assertCanManageOrganisation, manageableOrganisationIds } from '../auth/permissions.ts';
import { issueToken } from '../auth/one-time.ts';
import { recordAudit } from '../audit/service.ts';
import { sendEmail } from '../email/mailer.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { trackingChanged } from '../tracking/cache.ts';
import { emailField, nameField, optionalUuid, parseInput, reasonField, uuidField } from '../validation.ts';

export const AUDIENCE_LABELS: Record<Audience, string> = {
	frontline: 'Front-line officer',
	community: 'Community contact'
};

export const PAGE_SIZE = 25;

// zod 4 needs .optional() before a transform for a key that may be absent (unticked checkboxes).
const checkbox = z
	.union([z.string(), z.array(z.string())])
	.optional()
	.transform((v) => [v].flat().some((x) => x === 'on' || x === 'true' || x === 'yes'));

const idList = z
	.union([z.string(), z.array(z.string())])
	.optional()
	.transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter(Boolean))
	.pipe(z.array(z.uuid('Choose organisations from the list')));

export const personInputSchema = z.object({
	name: nameField,
	email: emailField,
	organisationId: uuidField('Choose an organisation'),
	teamId: optionalUuid,
	audience: z.enum(audiences, { error: 'Choose whether they are a front-line officer or a community contact' }),
	managerOf: idList,
	isAdmin: checkbox
});
export type PersonInput = z.output<typeof personInputSchema>;

export const personUpdateSchema = personInputSchema.omit({ email: true }).extend({ reason: reasonField });

export const peopleFilterSchema = z.object({
	q: z.string().trim().max(200).optional().catch(undefined),
	organisationId: z.uuid().optional().catch(undefined),
	teamId: z.uuid().optional().catch(undefined),
	audience: z.enum(audiences).optional().catch(undefined),
	role: z.enum(['manager', 'admin']).optional().catch(undefined),
	status: z.enum(['active', 'deactivated', 'invited', 'all']).optional().catch(undefined),
	page: z.coerce.number().int().min(1).max(100_000).catch(1)
});
export type PeopleFilter = z.output<typeof peopleFilterSchema>;

/** Organisation scope for the actor, as a SQL condition on users. */
function scopeCondition(actor: AuthUser): SQL | undefined {
	const scope = manageableOrganisationIds(actor);
	if (scope === null) return undefined;
	if (scope.length === 0) return sql`false`;
	return inArray(users.organisationId, scope);
}

export async function listPeople(db: Db, actor: AuthUser, filter: PeopleFilter) {
	const conditions: (SQL | undefined)[] = [scopeCondition(actor)];
	if (filter.q) {
		const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
		conditions.push(or(ilike(users.name, pattern), ilike(users.email, pattern)));
	}
	if (filter.organisationId) conditions.push(eq(users.organisationId, filter.organisationId));
	if (filter.teamId) conditions.push(eq(users.teamId, filter.teamId));
	if (filter.audience) conditions.push(eq(users.audience, filter.audience));
	if (filter.role === 'admin') conditions.push(eq(users.isAdmin, true));
	if (filter.role === 'manager')
		conditions.push(sql`exists (select 1 from ${managerOrganisations} mo where mo.user_id = ${users.id})`);
	const status = filter.status ?? 'active';
	if (status === 'invited') conditions.push(and(eq(users.status, 'active'), sql`${users.passwordHash} is null`));
	else if (status !== 'all') conditions.push(eq(users.status, status));
	const where = and(...conditions.filter((c): c is SQL => c !== undefined));

	const rows = await db
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
		.limit(PAGE_SIZE)
		.offset((filter.page - 1) * PAGE_SIZE);
	const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(users).where(where);
	return { rows, total: count?.n ?? 0, page: filter.page, pageSize: PAGE_SIZE };
}

/** A person the actor may manage; anyone else is "not found", so ids reveal nothing. */
export async function getPerson(db: Db, actor: AuthUser, id: string) {
	if (!z.uuid().safeParse(id).success) throw new NotFoundError('We could not find that person.');
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
	if (!person || !(actor.isAdmin || actor.managedOrganisationIds.includes(person.organisationId)))
		throw new NotFoundError('We could not find that person.');
	const managed = await db
		.select({ organisationId: managerOrganisations.organisationId })
		.from(managerOrganisations)
		.where(eq(managerOrganisations.userId, id));
	const history = await db
		.select({ at: auditLog.at, action: auditLog.action, reason: auditLog.reason, actorName: users.name })
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(and(eq(auditLog.targetType, 'person'), eq(auditLog.targetId, id)))
		.orderBy(sql`${auditLog.at} desc`)
		.limit(50);
	return { ...person, managerOf: managed.map((m) => m.organisationId), history };
}

/** Checks organisation, team and role choices against what the actor may do. */
async function checkPlacement(db: Db, actor: AuthUser, input: Omit<PersonInput, 'email' | 'name'>) {
	const [org] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, input.organisationId));
	if (!org) throw new ValidationError({ organisationId: 'Choose an organisation from the list' });
	assertCanManageOrganisation(actor, input.organisationId);
	if (input.teamId) {
		const [team] = await db.select({ organisationId: teams.organisationId }).from(teams).where(eq(teams.id, input.teamId));
		if (!team || team.organisationId !== input.organisationId)
			throw new ValidationError({ teamId: 'Choose a team that belongs to the chosen organisation' });
	}
	for (const orgId of input.managerOf) assertCanManageOrganisation(actor, orgId);
	if (input.managerOf.length) {
		const found = await db.select({ id: organisations.id }).from(organisations).where(inArray(organisations.id, input.managerOf));
		if (found.length !== new Set(input.managerOf).size)
			throw new ValidationError({ managerOf: 'Choose organisations from the list' });
	}
}

export function inviteEmail(name: string, partnershipName: string, link: string) {
	return {
		subject: `You have been invited to ${partnershipName} learning`,
		body: [
			`Hello ${name},`,
			'',
			`You have been given an account on the ${partnershipName} training platform.`,
			'To choose your password and sign in, open this link within 7 days:',
			'',
			link,
			'',
			'If you were not expecting this, you can ignore this email.'
		].join('\n')
	};
}

export async function invitePerson(
	db: Db,
	actor: AuthUser,
	raw: unknown,
	ctx: { origin: string; partnershipName: string; now?: Date }
): Promise<{ id: string }> {
	const input = parseInput(personInputSchema, raw);
	if (input.isAdmin) assertAdmin(actor);
	await checkPlacement(db, actor, input);
	const now = ctx.now ?? new Date();
	const { id, token } = await db.transaction(async (tx) => {
		const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, input.email));
		if (existing) throw new ValidationError({ email: 'Someone with this email address already has an account' });
		const [created] = await tx
			.insert(users)
			.values({
				name: input.name,
				email: input.email,
				organisationId: input.organisationId,
				teamId: input.teamId ?? null,
				audience: input.audience,
				isAdmin: input.isAdmin,
				createdAt: now,
				updatedAt: now
			})
			.returning({ id: users.id });
		const personId = created!.id;
		if (input.managerOf.length)
			await tx.insert(managerOrganisations).values(input.managerOf.map((organisationId) => ({ userId: personId, organisationId })));
		await recordAudit(tx, {
			actorId: actor.id,
			action: 'person.invited',
			targetType: 'person',
			targetId: personId,
			organisationId: input.organisationId,
			details: { audience: input.audience, isAdmin: input.isAdmin, managerOf: input.managerOf }
		}, now);
		trackingChanged();
		return { id: personId, token: await issueToken(tx, 'invite', personId, now) };
	});
	const mail = inviteEmail(input.name, ctx.partnershipName, `${ctx.origin}/invite/${token}`);
	await sendEmail(db, { to: input.email, ...mail });
	return { id };
}

export async function resendInvite(
	db: Db,
	actor: AuthUser,
	personId: string,
	ctx: { origin: string; partnershipName: string; now?: Date }
) {
	const person = await getPerson(db, actor, personId);
	if (!person.invited || person.status !== 'active')
		throw new ConflictError('This person has already set a password, so there is no invitation to resend.');
	const token = await issueToken(db, 'invite', personId, ctx.now);
	await sendEmail(db, { to: person.email, ...inviteEmail(person.name, ctx.partnershipName, `${ctx.origin}/invite/${token}`) });
	await recordAudit(db, { actorId: actor.id, action: 'person.invite-resent', targetType: 'person', targetId: personId, organisationId: person.organisationId });
}

/** Changes name, organisation, team, audience and roles, with the reason in the audit log. */
/** Only an admin may change or deactivate an admin, so a manager cannot lock the partnership out. */
function assertMayChange(actor: AuthUser, person: { isAdmin: boolean }) {
	if (person.isAdmin) assertAdmin(actor);
}

export async function updatePerson(db: Db, actor: AuthUser, personId: string, raw: unknown, now = new Date()) {
	const person = await getPerson(db, actor, personId);
	assertMayChange(actor, person);
	const input = parseInput(personUpdateSchema, raw);
	await checkPlacement(db, actor, input);
	if (input.isAdmin !== person.isAdmin) assertAdmin(actor);
	if (personId === actor.id && person.isAdmin && !input.isAdmin)
		throw new ValidationError({ isAdmin: 'You cannot remove your own admin role. Ask another admin.' });
	// A manager keeps the manager roles they cannot see: only their own organisations change.
	const visibleScope = manageableOrganisationIds(actor);
	const keptOutsideScope = visibleScope === null ? [] : person.managerOf.filter((o) => !visibleScope.includes(o));
	const managerOf = [...new Set([...keptOutsideScope, ...input.managerOf])].sort();

	const changes: Record<string, { from: unknown; to: unknown }> = {};
	const note = (field: string, from: unknown, to: unknown) => {
		if (JSON.stringify(from) !== JSON.stringify(to)) changes[field] = { from, to };
	};
	note('name', person.name, input.name);
	note('organisationId', person.organisationId, input.organisationId);
	note('teamId', person.teamId, input.teamId ?? null);
	note('audience', person.audience, input.audience);
	note('isAdmin', person.isAdmin, input.isAdmin);
	note('managerOf', [...person.managerOf].sort(), managerOf);
	if (Object.keys(changes).length === 0) return { changed: false };

	await db.transaction(async (tx) => {
		await tx
			.update(users)
			.set({
				name: input.name,
				organisationId: input.organisationId,
				teamId: input.teamId ?? null,
				audience: input.audience,
				isAdmin: input.isAdmin,
				updatedAt: now
			})
			.where(eq(users.id, personId));
		if (changes.managerOf) {
			await tx.delete(managerOrganisations).where(eq(managerOrganisations.userId, personId));
			if (managerOf.length)
				await tx.insert(managerOrganisations).values(managerOf.map((organisationId) => ({ userId: personId, organisationId })));
		}
		const roleChanged = changes.isAdmin || changes.managerOf;
		await recordAudit(tx, {
			actorId: actor.id,
			action: roleChanged ? 'person.role-changed' : changes.organisationId ? 'person.organisation-changed' : 'person.updated',
			targetType: 'person',
			targetId: personId,
			organisationId: input.organisationId,
			reason: input.reason,
			details: changes
		}, now);
		// Losing a role must take effect at once, not at the next sign-in.
		if (roleChanged) await invalidateUserSessions(tx, personId, undefined);
	});
	// After commit: a request in between would otherwise cache what is about to change.
	trackingChanged();
	forgetCachedSessions();
	return { changed: true };
}

export async function setPersonStatus(db: Db, actor: AuthUser, personId: string, status: UserStatus, rawReason: unknown, now = new Date()) {
	const person = await getPerson(db, actor, personId);
	assertMayChange(actor, person);
	const { reason } = parseInput(z.object({ reason: reasonField }), { reason: rawReason });
	if (personId === actor.id && status === 'deactivated')
		throw new ValidationError({ reason: 'You cannot deactivate your own account.' });
	if (person.status === status) return { changed: false };
	await db.transaction(async (tx) => {
		await tx.update(users).set({ status, updatedAt: now }).where(eq(users.id, personId));
		await recordAudit(tx, {
			actorId: actor.id,
			action: status === 'deactivated' ? 'person.deactivated' : 'person.reactivated',
			targetType: 'person',
			targetId: personId,
			organisationId: person.organisationId,
			reason
		}, now);
		if (status === 'deactivated') await invalidateUserSessions(tx, personId);
	});
	trackingChanged();
	forgetCachedSessions();
	return { changed: true };
}

/** The organisations (and their teams) the actor may place people in, for form choices. */
export async function placementChoices(db: Db, actor: AuthUser) {
	const scope = manageableOrganisationIds(actor);
	const orgs = await db
		.select({ id: organisations.id, name: organisations.name, kind: organisations.kind })
		.from(organisations)
		.where(scope === null ? undefined : scope.length ? inArray(organisations.id, scope) : sql`false`)
		.orderBy(asc(organisations.name));
	const teamRows = orgs.length
		? await db
				.select({ id: teams.id, name: teams.name, organisationId: teams.organisationId })
				.from(teams)
				.where(inArray(teams.organisationId, orgs.map((o) => o.id)))
				.orderBy(asc(teams.name))
		: [];
	return { organisations: orgs, teams: teamRows };
}

/** A learner's own choice about non-essential reminders (early reminders and expiry notices). */
export async function setReminderPreference(db: Db, userId: string, raw: unknown) {
	const { early } = parseInput(z.object({ early: checkbox }), raw);
	await db.update(users).set({ remindersOptOut: !early, updatedAt: new Date() }).where(eq(users.id, userId));
	return { early };
}

export async function reminderPreference(db: Db, userId: string) {
	const [row] = await db.select({ optOut: users.remindersOptOut }).from(users).where(eq(users.id, userId));
	return { early: !row?.optOut };
}
