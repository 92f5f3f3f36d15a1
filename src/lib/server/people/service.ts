import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import {
	audiences,
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
import {
	assertAdmin,
	assertCanManageOrganisation,
	canManageOrganisation,
	manageableOrganisationIds
} from '../auth/permissions.ts';
import { issueToken } from '../auth/one-time.ts';
import { entriesAboutPerson, recordAudit } from '../audit/service.ts';
import { invitationStates, sendEmail, type OutgoingEmail } from '../email/mailer.ts';
import { invitationEmail } from '../email/templates.ts';
import { requiredSignIn, type RequiredSignIn } from '../sso/service.ts';
import { brandingFor } from '../partnership/branding-cache.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { refreshObligations } from '../tracking/queries.ts';
import {
	bulkPeopleRows,
	listPeopleRows,
	managedOrganisationIdsOf,
	organisationsWithTeams,
	personRow,
	remindersOptOut,
	setRemindersOptOut,
	setStatus
} from './queries.ts';
import {
	emailField,
	nameField,
	optionalUuid,
	parseInput,
	reasonField,
	uuidField
} from '../validation.ts';

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
	audience: z.enum(audiences, {
		error: 'Choose whether they are a front-line officer or a community contact'
	}),
	managerOf: idList,
	isAdmin: checkbox
});
export type PersonInput = z.output<typeof personInputSchema>;

export const personUpdateSchema = personInputSchema
	.omit({ email: true })
	.extend({ reason: reasonField });

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

/** The list's filter as a query, within the organisations the actor may see. */
const peopleQuery = (actor: AuthUser, filter: PeopleFilter) => ({
	organisationIds: manageableOrganisationIds(actor),
	q: filter.q,
	organisationId: filter.organisationId,
	teamId: filter.teamId,
	audience: filter.audience,
	role: filter.role,
	status: filter.status ?? 'active'
});

export async function listPeople(db: Db, actor: AuthUser, filter: PeopleFilter) {
	const { rows, total } = await listPeopleRows(db, {
		...peopleQuery(actor, filter),
		limit: PAGE_SIZE,
		offset: (filter.page - 1) * PAGE_SIZE
	});
	return { rows, total, page: filter.page, pageSize: PAGE_SIZE };
}

/** Who a bulk action applies to: the people ticked, or everyone matching the list's filter. */
export type PeopleSelection = { ids: readonly string[] } | { filter: PeopleFilter };

/**
 * The people a bulk action applies to, all within the actor's organisations: a ticked id outside
 * them (or unknown) refuses the whole action, so nothing is half done on a forged request.
 */
export async function selectedPeople(db: Db, actor: AuthUser, selection: PeopleSelection) {
	if ('ids' in selection) {
		const ids = [...new Set(selection.ids)];
		const rows = ids.every((id) => z.uuid().safeParse(id).success)
			? await bulkPeopleRows(db, { ids })
			: [];
		if (
			rows.length !== ids.length ||
			rows.some((r) => !canManageOrganisation(actor, r.organisationId))
		)
			throw new ForbiddenError('You can only choose people in organisations you manage.');
		return rows;
	}
	return bulkPeopleRows(db, peopleQuery(actor, selection.filter));
}

/** The row of a person the actor may manage; anyone else is "not found", so ids reveal nothing. */
export async function visiblePersonRow(db: Db, actor: AuthUser, id: string) {
	if (!z.uuid().safeParse(id).success) throw new NotFoundError('We could not find that person.');
	const person = await personRow(db, id);
	if (!person || !(actor.isAdmin || actor.managedOrganisationIds.includes(person.organisationId)))
		throw new NotFoundError('We could not find that person.');
	return person;
}

/** A person the actor may manage, with their roles and history. */
export async function getPerson(db: Db, actor: AuthUser, id: string) {
	const person = await visiblePersonRow(db, actor, id);
	const [managerOf, history] = await Promise.all([
		managedOrganisationIdsOf(db, id),
		entriesAboutPerson(db, id)
	]);
	return { ...person, managerOf, history };
}

/** Checks organisation, team and role choices against what the actor may do. */
async function checkPlacement(db: Db, actor: AuthUser, input: Omit<PersonInput, 'email' | 'name'>) {
	const [org] = await db
		.select({ id: organisations.id })
		.from(organisations)
		.where(eq(organisations.id, input.organisationId));
	if (!org) throw new ValidationError({ organisationId: 'Choose an organisation from the list' });
	assertCanManageOrganisation(actor, input.organisationId);
	if (input.teamId) {
		const [team] = await db
			.select({ organisationId: teams.organisationId })
			.from(teams)
			.where(eq(teams.id, input.teamId));
		if (!team || team.organisationId !== input.organisationId)
			throw new ValidationError({
				teamId: 'Choose a team that belongs to the chosen organisation'
			});
	}
	for (const orgId of input.managerOf) assertCanManageOrganisation(actor, orgId);
	if (input.managerOf.length) {
		const found = await db
			.select({ id: organisations.id })
			.from(organisations)
			.where(inArray(organisations.id, input.managerOf));
		if (found.length !== new Set(input.managerOf).size)
			throw new ValidationError({ managerOf: 'Choose organisations from the list' });
	}
}

/**
 * The invitation message for one person, from the templates module, ready for the outbox. Someone
 * in an organisation that requires single sign-on is told to sign in with that account instead.
 */
export async function inviteEmail(
	db: Db,
	person: { id: string; name: string; email: string; organisationId: string },
	ctx: { origin: string; partnershipName: string },
	link: string,
	ssoOnly?: RequiredSignIn | null
): Promise<OutgoingEmail> {
	const branding = await brandingFor(db);
	const sso =
		ssoOnly === undefined
			? await requiredSignIn(db, { organisationId: person.organisationId })
			: ssoOnly;
	return {
		to: person.email,
		...invitationEmail(
			person.name,
			link,
			{ name: ctx.partnershipName, colour: branding.brandColour },
			sso
				? { organisationName: sso.organisationName, url: `${ctx.origin}${sso.startPath}` }
				: undefined
		),
		kind: 'invitation',
		userId: person.id
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
	const { id } = await db.transaction(async (tx) => {
		const [existing] = await tx
			.select({ id: users.id })
			.from(users)
			.where(eq(users.email, input.email));
		if (existing)
			throw new ValidationError({
				email: 'Someone with this email address already has an account'
			});
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
			await tx
				.insert(managerOrganisations)
				.values(input.managerOf.map((organisationId) => ({ userId: personId, organisationId })));
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'person.invited',
				targetType: 'person',
				targetId: personId,
				organisationId: input.organisationId,
				details: { audience: input.audience, isAdmin: input.isAdmin, managerOf: input.managerOf }
			},
			now
		);
		const token = await issueToken(tx, 'invite', personId, now);
		// The invitation is queued in the same transaction: no person, no email; a person, an email.
		await sendEmail(
			tx,
			await inviteEmail(
				tx,
				{
					id: personId,
					name: input.name,
					email: input.email,
					organisationId: input.organisationId
				},
				ctx,
				`${ctx.origin}/invite/${token}`
			)
		);
		await refreshObligations(tx, { userId: personId }, now);
		return { id: personId };
	});
	return { id };
}

/** Whether this person's newest invitation was delivered, for the managers who can see them. */
export async function invitationDelivery(db: Db, actor: AuthUser, personId: string) {
	await visiblePersonRow(db, actor, personId);
	return (await invitationStates(db, [personId])).get(personId) ?? null;
}

export async function resendInvite(
	db: Db,
	actor: AuthUser,
	personId: string,
	ctx: { origin: string; partnershipName: string; now?: Date }
) {
	const person = await visiblePersonRow(db, actor, personId);
	if (!person.invited || person.status !== 'active')
		throw new ConflictError(
			'This person has already set a password, so there is no invitation to resend.'
		);
	await db.transaction(async (tx) => {
		const token = await issueToken(tx, 'invite', personId, ctx.now);
		await sendEmail(tx, await inviteEmail(tx, person, ctx, `${ctx.origin}/invite/${token}`));
		await recordAudit(tx, {
			actorId: actor.id,
			action: 'person.invite-resent',
			targetType: 'person',
			targetId: personId,
			organisationId: person.organisationId
		});
	});
}

/** Changes name, organisation, team, audience and roles, with the reason in the audit log. */
/** Only an admin may change or deactivate an admin, so a manager cannot lock the partnership out. */
function assertMayChange(actor: AuthUser, person: { isAdmin: boolean }) {
	if (person.isAdmin) assertAdmin(actor);
}

export async function updatePerson(
	db: Db,
	actor: AuthUser,
	personId: string,
	raw: unknown,
	now = new Date()
) {
	const person = await getPerson(db, actor, personId);
	assertMayChange(actor, person);
	const input = parseInput(personUpdateSchema, raw);
	await checkPlacement(db, actor, input);
	if (input.isAdmin !== person.isAdmin) assertAdmin(actor);
	if (personId === actor.id && person.isAdmin && !input.isAdmin)
		throw new ValidationError({
			isAdmin: 'You cannot remove your own admin role. Ask another admin.'
		});
	// A manager keeps the manager roles they cannot see: only their own organisations change.
	const visibleScope = manageableOrganisationIds(actor);
	const keptOutsideScope =
		visibleScope === null ? [] : person.managerOf.filter((o) => !visibleScope.includes(o));
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
				await tx
					.insert(managerOrganisations)
					.values(managerOf.map((organisationId) => ({ userId: personId, organisationId })));
		}
		const roleChanged = changes.isAdmin || changes.managerOf;
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: roleChanged
					? 'person.role-changed'
					: changes.organisationId
						? 'person.organisation-changed'
						: 'person.updated',
				targetType: 'person',
				targetId: personId,
				organisationId: input.organisationId,
				reason: input.reason,
				details: changes
			},
			now
		);
		// Losing a role must take effect at once, not at the next sign-in.
		if (roleChanged) await invalidateUserSessions(tx, personId, undefined);
		// Organisation, team and audience decide which requirements apply.
		if (changes.organisationId || changes.teamId || changes.audience)
			await refreshObligations(tx, { userId: personId }, now);
	});
	forgetCachedSessions();
	return { changed: true };
}

export async function setPersonStatus(
	db: Db,
	actor: AuthUser,
	personId: string,
	status: UserStatus,
	rawReason: unknown,
	now = new Date()
) {
	const person = await visiblePersonRow(db, actor, personId);
	assertMayChange(actor, person);
	const { reason } = parseInput(z.object({ reason: reasonField }), { reason: rawReason });
	if (personId === actor.id && status === 'deactivated')
		throw new ValidationError({ reason: 'You cannot deactivate your own account.' });
	if (person.status === status) return { changed: false };
	await db.transaction(async (tx) => {
		await setStatus(tx, personId, status, now);
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: status === 'deactivated' ? 'person.deactivated' : 'person.reactivated',
				targetType: 'person',
				targetId: personId,
				organisationId: person.organisationId,
				reason
			},
			now
		);
		if (status === 'deactivated') await invalidateUserSessions(tx, personId);
		// Deactivated people have no obligations; reactivated people get theirs back.
		await refreshObligations(tx, { userId: personId }, now);
	});
	forgetCachedSessions();
	return { changed: true };
}

/** The organisations (and their teams) the actor may place people in, for form choices. */
export async function placementChoices(db: Db, actor: AuthUser) {
	return organisationsWithTeams(db, manageableOrganisationIds(actor));
}

/** A learner's own choice about non-essential reminders (early reminders and expiry notices). */
export async function setReminderPreference(db: Db, userId: string, raw: unknown) {
	const { early } = parseInput(z.object({ early: checkbox }), raw);
	await setRemindersOptOut(db, userId, !early);
	return { early };
}

export async function reminderPreference(db: Db, userId: string) {
	return { early: !(await remindersOptOut(db, userId)) };
}
