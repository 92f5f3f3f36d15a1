import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { managerOrganisations, organisations, teams, users, type Audience } from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { canManageOrganisation } from '../auth/permissions.ts';
import { issueToken } from '../auth/one-time.ts';
import { recordAudit } from '../audit/service.ts';
import { sendEmail } from '../email/mailer.ts';
import { CsvError, parseCsv } from '../csv.ts';
import { ValidationError } from '../errors.ts';
import { emailField, nameField } from '../validation.ts';
import { inviteEmail } from './service.ts';
import { trackingChanged } from '../tracking/cache.ts';

export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 5000;
export const IMPORT_COLUMNS = ['name', 'email', 'organisation', 'team', 'audience', 'manager'] as const;
const REQUIRED_COLUMNS = ['name', 'email', 'organisation', 'audience'] as const;

export interface ImportRow {
	line: number;
	name: string;
	email: string;
	organisation: string;
	team: string;
	audience: string;
	manager: boolean;
	action: 'create' | 'update' | 'unchanged' | 'error';
	errors: string[];
	/** resolved ids, present when the row is valid */
	resolved?: { organisationId: string; teamId: string | null; audience: Audience; existingId: string | null };
}

export interface ImportPreview {
	rows: ImportRow[];
	counts: { create: number; update: number; unchanged: number; error: number };
}

const AUDIENCE_WORDS: Record<string, Audience> = {
	frontline: 'frontline',
	'front-line': 'frontline',
	'front line': 'frontline',
	'front-line officer': 'frontline',
	'frontline officer': 'frontline',
	'front line officer': 'frontline',
	officer: 'frontline',
	community: 'community',
	'community contact': 'community',
	volunteer: 'community'
};
const YES = new Set(['yes', 'y', 'true', '1', 'manager']);
const NO = new Set(['', 'no', 'n', 'false', '0']);

/** Checks every row against the organisations and teams, and what the actor may change. Writes nothing. */
export async function previewImport(db: Db, actor: AuthUser, text: string): Promise<ImportPreview> {
	if (new TextEncoder().encode(text).byteLength > MAX_IMPORT_BYTES)
		throw new ValidationError({ file: 'The file must be smaller than 2 MB' });
	let table: string[][];
	try {
		table = parseCsv(text, MAX_IMPORT_ROWS + 1);
	} catch (e) {
		if (e instanceof CsvError) throw new ValidationError({ file: e.message });
		throw e;
	}
	if (table.length === 0) throw new ValidationError({ file: 'The file is empty. Choose a CSV file with a header row and one row per person.' });
	const header = table[0]!.map((h) => h.trim().toLowerCase());
	const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
	if (missing.length)
		throw new ValidationError({ file: `The first row must name the columns. Missing: ${missing.join(', ')}. Expected columns: ${IMPORT_COLUMNS.join(', ')}.` });
	if (table.length - 1 > MAX_IMPORT_ROWS) throw new ValidationError({ file: `The file has more than ${MAX_IMPORT_ROWS} people. Split it into smaller files.` });
	const col = (row: string[], name: string) => {
		const i = header.indexOf(name);
		return i === -1 ? '' : (row[i] ?? '').trim();
	};

	const orgRows = await db.select({ id: organisations.id, name: organisations.name, key: organisations.key }).from(organisations);
	const orgByName = new Map<string, string>();
	for (const o of orgRows) {
		orgByName.set(o.name.toLowerCase(), o.id);
		orgByName.set(o.key.toLowerCase(), o.id);
	}
	const teamRows = await db.select({ id: teams.id, name: teams.name, organisationId: teams.organisationId }).from(teams);
	const teamByOrgAndName = new Map(teamRows.map((t) => [`${t.organisationId}|${t.name.toLowerCase()}`, t.id]));
	const emails = table.slice(1).map((r) => col(r, 'email').toLowerCase()).filter(Boolean);
	const existing = emails.length
		? await db
				.select({ id: users.id, email: users.email, name: users.name, organisationId: users.organisationId, teamId: users.teamId, audience: users.audience, isAdmin: users.isAdmin })
				.from(users)
				.where(inArray(users.email, [...new Set(emails)]))
		: [];
	const existingByEmail = new Map(existing.map((u) => [u.email, u]));
	const managerRows = existing.length
		? await db.select().from(managerOrganisations).where(inArray(managerOrganisations.userId, existing.map((u) => u.id)))
		: [];
	const seen = new Map<string, number>();

	const rows: ImportRow[] = table.slice(1).map((cells, index) => {
		const line = index + 2;
		const errors: string[] = [];
		const name = nameField.safeParse(col(cells, 'name'));
		if (!name.success) errors.push(name.error.issues[0]!.message);
		const email = emailField.safeParse(col(cells, 'email'));
		if (!email.success) errors.push(email.error.issues[0]!.message);
		const emailValue = email.success ? email.data : col(cells, 'email');
		if (email.success) {
			const first = seen.get(email.data);
			if (first) errors.push(`This email address is also on line ${first}`);
			else seen.set(email.data, line);
		}
		const orgText = col(cells, 'organisation');
		const organisationId = orgByName.get(orgText.toLowerCase());
		if (!orgText) errors.push('Enter the organisation');
		else if (!organisationId) errors.push(`There is no organisation called "${orgText}"`);
		else if (!canManageOrganisation(actor, organisationId)) errors.push(`You cannot add people to ${orgText}`);
		const teamText = col(cells, 'team');
		let teamId: string | null = null;
		if (teamText && organisationId) {
			teamId = teamByOrgAndName.get(`${organisationId}|${teamText.toLowerCase()}`) ?? null;
			if (!teamId) errors.push(`${orgText} has no team called "${teamText}". Add the team first, or leave the column empty`);
		}
		const audienceText = col(cells, 'audience').toLowerCase();
		const audience = AUDIENCE_WORDS[audienceText];
		if (!audience) errors.push('Enter the audience as "front-line officer" or "community contact"');
		const managerText = col(cells, 'manager').toLowerCase();
		const manager = YES.has(managerText);
		if (!manager && !NO.has(managerText)) errors.push('Enter "yes" or "no" in the manager column');

		const current = email.success ? existingByEmail.get(email.data) : undefined;
		if (current && (!canManageOrganisation(actor, current.organisationId) || (current.isAdmin && !actor.isAdmin)))
			errors.push('This email address belongs to an account you cannot change');
		const base = { line, name: name.success ? name.data : col(cells, 'name'), email: emailValue, organisation: orgText, team: teamText, audience: audienceText, manager };
		if (errors.length || !organisationId || !audience) return { ...base, action: 'error' as const, errors };
		const alreadyManager = current ? managerRows.some((m) => m.userId === current.id && m.organisationId === organisationId) : false;
		const unchanged =
			current &&
			current.name === base.name &&
			current.organisationId === organisationId &&
			current.teamId === teamId &&
			current.audience === audience &&
			(!manager || alreadyManager);
		return {
			...base,
			action: !current ? ('create' as const) : unchanged ? ('unchanged' as const) : ('update' as const),
			errors,
			resolved: { organisationId, teamId, audience, existingId: current?.id ?? null }
		};
	});
	const counts = { create: 0, update: 0, unchanged: 0, error: 0 };
	for (const r of rows) counts[r.action]++;
	return { rows, counts };
}

/**
 * Writes the import in one transaction after checking it again (the data may have changed since
 * the preview). New people get an invitation; existing people, matched by email, are updated.
 */
export async function commitImport(
	db: Db,
	actor: AuthUser,
	text: string,
	ctx: { origin: string; partnershipName: string; now?: Date }
) {
	const preview = await previewImport(db, actor, text);
	if (preview.counts.error > 0)
		throw new ValidationError({ file: `${preview.counts.error} row${preview.counts.error === 1 ? ' has' : 's have'} problems. Nothing was imported.` });
	const now = ctx.now ?? new Date();
	const invites = await db.transaction(async (tx) => {
		const sent: { email: string; name: string; token: string }[] = [];
		for (const row of preview.rows) {
			const r = row.resolved!;
			if (row.action === 'unchanged') continue;
			let personId = r.existingId;
			if (personId) {
				await tx.update(users).set({ name: row.name, organisationId: r.organisationId, teamId: r.teamId, audience: r.audience, updatedAt: now }).where(eq(users.id, personId));
			} else {
				const [created] = await tx
					.insert(users)
					.values({ name: row.name, email: row.email, organisationId: r.organisationId, teamId: r.teamId, audience: r.audience, createdAt: now, updatedAt: now })
					.returning({ id: users.id });
				personId = created!.id;
				sent.push({ email: row.email, name: row.name, token: await issueToken(tx, 'invite', personId, now) });
			}
			if (row.manager)
				await tx.insert(managerOrganisations).values({ userId: personId, organisationId: r.organisationId }).onConflictDoNothing();
			await recordAudit(tx, {
				actorId: actor.id,
				action: r.existingId ? 'person.updated-by-import' : 'person.imported',
				targetType: 'person',
				targetId: personId,
				organisationId: r.organisationId,
				reason: 'CSV import',
				details: { line: row.line, audience: r.audience, teamId: r.teamId, manager: row.manager }
			}, now);
		}
		trackingChanged();
		return sent;
	});
	for (const invite of invites) {
		await sendEmail(db, { to: invite.email, ...inviteEmail(invite.name, ctx.partnershipName, `${ctx.origin}/invite/${invite.token}`) });
	}
	return preview.counts;
}

