import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { managerOrganisations, organisations, teams, users, type Audience } from '../db/schema.ts';
import { insertMany } from '../db/bulk.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { canManageOrganisation } from '../auth/permissions.ts';
import { TOKEN_TTL_MS } from '../auth/one-time.ts';
import { hashToken, randomToken } from '../auth/tokens.ts';
import { queueEmails, type OutgoingEmail } from '../email/mailer.ts';
import { inviteEmail } from './service.ts';
import { requiredSignInByOrganisation } from '../sso/service.ts';
import { CsvError, parseCsv } from '../csv.ts';
import { ValidationError } from '../errors.ts';
import { emailField, nameField } from '../validation.ts';
import { refreshObligations } from '../tracking/queries.ts';
import { nearestName } from '../nearest-name.ts';
import type { AuditAction } from '../audit/service.ts';

export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 5000;
export const IMPORT_COLUMNS = [
	'name',
	'email',
	'organisation',
	'team',
	'audience',
	'manager'
] as const;
const REQUIRED_COLUMNS = ['name', 'email', 'organisation', 'audience'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** One problem with one cell of the file, so the page can say where it is and link to it. */
export interface ImportProblem {
	column: ImportColumn;
	message: string;
}

export interface ImportRow {
	line: number;
	name: string;
	email: string;
	organisation: string;
	team: string;
	audience: string;
	manager: boolean;
	action: 'create' | 'update' | 'unchanged' | 'error';
	errors: ImportProblem[];
	/** resolved ids, present when the row is valid */
	resolved?: {
		organisationId: string;
		teamId: string | null;
		audience: Audience;
		existingId: string | null;
	};
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

/** Appended to a message that ends without a full stop. */
const didYouMean = (name: string | undefined) => (name ? `. Did you mean "${name}"?` : '');

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
	if (table.length === 0)
		throw new ValidationError({
			file: 'The file is empty. Choose a CSV file with a header row and one row per person.'
		});
	const header = table[0]!.map((h) => h.trim().toLowerCase());
	const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
	if (missing.length)
		throw new ValidationError({
			file: `The first row must name the columns. Missing: ${missing.join(', ')}. Expected columns: ${IMPORT_COLUMNS.join(', ')}.`
		});
	if (table.length - 1 > MAX_IMPORT_ROWS)
		throw new ValidationError({
			file: `The file has more than ${MAX_IMPORT_ROWS} people. Split it into smaller files.`
		});
	const col = (row: string[], name: string) => {
		const i = header.indexOf(name);
		return i === -1 ? '' : (row[i] ?? '').trim();
	};

	const orgRows = await db
		.select({ id: organisations.id, name: organisations.name, key: organisations.key })
		.from(organisations);
	const orgByName = new Map<string, string>();
	// Suggestions come only from organisations the actor may add people to: another is no help.
	const orgNames = orgRows.filter((o) => canManageOrganisation(actor, o.id)).map((o) => o.name);
	for (const o of orgRows) {
		orgByName.set(o.name.toLowerCase(), o.id);
		orgByName.set(o.key.toLowerCase(), o.id);
	}
	const teamRows = await db
		.select({ id: teams.id, name: teams.name, organisationId: teams.organisationId })
		.from(teams);
	const teamByOrgAndName = new Map(
		teamRows.map((t) => [`${t.organisationId}|${t.name.toLowerCase()}`, t.id])
	);
	const teamNames = (organisationId: string) =>
		teamRows.filter((t) => t.organisationId === organisationId).map((t) => t.name);
	const emails = table
		.slice(1)
		.map((r) => col(r, 'email').toLowerCase())
		.filter(Boolean);
	const existing = emails.length
		? await db
				.select({
					id: users.id,
					email: users.email,
					name: users.name,
					organisationId: users.organisationId,
					teamId: users.teamId,
					audience: users.audience,
					isAdmin: users.isAdmin
				})
				.from(users)
				.where(inArray(users.email, [...new Set(emails)]))
		: [];
	const existingByEmail = new Map(existing.map((u) => [u.email, u]));
	const managerRows = existing.length
		? await db
				.select()
				.from(managerOrganisations)
				.where(
					inArray(
						managerOrganisations.userId,
						existing.map((u) => u.id)
					)
				)
		: [];
	const seen = new Map<string, number>();

	const rows: ImportRow[] = table.slice(1).map((cells, index) => {
		const line = index + 2;
		const errors: ImportProblem[] = [];
		const problem = (column: ImportColumn, message: string) => errors.push({ column, message });
		const name = nameField.safeParse(col(cells, 'name'));
		if (!name.success) problem('name', name.error.issues[0]!.message);
		const email = emailField.safeParse(col(cells, 'email'));
		if (!email.success) problem('email', email.error.issues[0]!.message);
		const emailValue = email.success ? email.data : col(cells, 'email');
		if (email.success) {
			const first = seen.get(email.data);
			if (first) problem('email', `This email address is also on row ${first}`);
			else seen.set(email.data, line);
		}
		const orgText = col(cells, 'organisation');
		const organisationId = orgByName.get(orgText.toLowerCase());
		if (!orgText) problem('organisation', 'Enter the organisation');
		else if (!organisationId)
			problem(
				'organisation',
				`There is no organisation called "${orgText}"${didYouMean(nearestName(orgText, orgNames))}`
			);
		else if (!canManageOrganisation(actor, organisationId))
			problem('organisation', `You cannot add people to ${orgText}`);
		const teamText = col(cells, 'team');
		let teamId: string | null = null;
		if (teamText && organisationId) {
			teamId = teamByOrgAndName.get(`${organisationId}|${teamText.toLowerCase()}`) ?? null;
			if (!teamId) {
				const nearest = nearestName(teamText, teamNames(organisationId));
				problem(
					'team',
					`${orgText} has no team called "${teamText}"${nearest ? didYouMean(nearest) : '. Add the team first, or leave the column empty'}`
				);
			}
		}
		const audienceText = col(cells, 'audience').toLowerCase();
		const audience = AUDIENCE_WORDS[audienceText];
		if (!audience)
			problem('audience', 'Enter the audience as "front-line officer" or "community contact"');
		const managerText = col(cells, 'manager').toLowerCase();
		const manager = YES.has(managerText);
		if (!manager && !NO.has(managerText)) problem('manager', 'Enter "yes" or "no"');

		const current = email.success ? existingByEmail.get(email.data) : undefined;
		if (
			current &&
			(!canManageOrganisation(actor, current.organisationId) || (current.isAdmin && !actor.isAdmin))
		)
			problem('email', 'This email address belongs to an account you cannot change');
		const base = {
			line,
			name: name.success ? name.data : col(cells, 'name'),
			email: emailValue,
			organisation: orgText,
			team: teamText,
			audience: audienceText,
			manager
		};
		if (errors.length || !organisationId || !audience)
			return { ...base, action: 'error' as const, errors };
		const alreadyManager = current
			? managerRows.some((m) => m.userId === current.id && m.organisationId === organisationId)
			: false;
		const unchanged =
			current &&
			current.name === base.name &&
			current.organisationId === organisationId &&
			current.teamId === teamId &&
			current.audience === audience &&
			(!manager || alreadyManager);
		return {
			...base,
			action: !current
				? ('create' as const)
				: unchanged
					? ('unchanged' as const)
					: ('update' as const),
			errors,
			resolved: { organisationId, teamId, audience, existingId: current?.id ?? null }
		};
	});
	const counts = { create: 0, update: 0, unchanged: 0, error: 0 };
	for (const r of rows) counts[r.action]++;
	return { rows, counts };
}

/** Rows per statement: well under PostgreSQL's 65,535 parameters for the widest table here. */
const BATCH = 1000;
function batches<T>(items: T[]): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
	return out;
}

/**
 * Writes the import in one transaction after checking it again (the data may have changed since
 * the preview), a statement per thousand rows rather than per row. New people get an invitation,
 * queued in the same transaction and sent in the background; existing people, matched by email,
 * are updated.
 */
export async function commitImport(
	db: Db,
	actor: AuthUser,
	text: string,
	ctx: { origin: string; partnershipName: string; now?: Date }
) {
	const preview = await previewImport(db, actor, text);
	if (preview.counts.error > 0)
		throw new ValidationError({
			file: `${preview.counts.error} row${preview.counts.error === 1 ? ' has' : 's have'} problems. Nothing was imported.`
		});
	const now = ctx.now ?? new Date();
	const changed = preview.rows.filter((row) => row.action !== 'unchanged');
	const creates = changed.filter((row) => !row.resolved!.existingId);
	const updates = changed.filter((row) => row.resolved!.existingId);
	await db.transaction(async (tx) => {
		for (const batch of batches(updates)) {
			const values = batch.map((row) => ({
				id: row.resolved!.existingId,
				name: row.name,
				organisation_id: row.resolved!.organisationId,
				team_id: row.resolved!.teamId,
				audience: row.resolved!.audience
			}));
			await tx.execute(sql`
				update users u set name = v.name, organisation_id = v.organisation_id, team_id = v.team_id, audience = v.audience, updated_at = ${now.toISOString()}::timestamptz
				from json_to_recordset(${JSON.stringify(values)}::json) as v(id uuid, name text, organisation_id uuid, team_id uuid, audience text)
				where u.id = v.id`);
		}
		const idByEmail = new Map<string, string>();
		const at = now.toISOString();
		for (const batch of batches(creates)) {
			const created = await insertMany(
				tx,
				'users',
				{
					name: 'text',
					email: 'text',
					organisation_id: 'uuid',
					team_id: 'uuid',
					audience: 'text',
					created_at: 'timestamptz',
					updated_at: 'timestamptz'
				},
				batch.map((row) => ({
					name: row.name,
					email: row.email,
					organisation_id: row.resolved!.organisationId,
					team_id: row.resolved!.teamId,
					audience: row.resolved!.audience,
					created_at: at,
					updated_at: at
				})),
				'id, email'
			);
			for (const c of created) idByEmail.set(String(c.email), String(c.id));
		}
		const personId = (row: ImportRow) => row.resolved!.existingId ?? idByEmail.get(row.email)!;
		const managers = changed
			.filter((row) => row.manager)
			.map((row) => ({ userId: personId(row), organisationId: row.resolved!.organisationId }));
		for (const batch of batches(managers))
			await tx.insert(managerOrganisations).values(batch).onConflictDoNothing();
		for (const batch of batches(changed))
			await insertMany(
				tx,
				'audit_log',
				{
					at: 'timestamptz',
					actor_id: 'uuid',
					action: 'text',
					target_type: 'text',
					target_id: 'text',
					organisation_id: 'uuid',
					reason: 'text',
					details: 'jsonb'
				},
				batch.map((row) => ({
					at,
					actor_id: actor.id,
					action: (row.resolved!.existingId
						? 'person.updated-by-import'
						: 'person.imported') satisfies AuditAction,
					target_type: 'person',
					target_id: personId(row),
					organisation_id: row.resolved!.organisationId,
					reason: 'CSV import',
					details: {
						line: row.line,
						audience: row.resolved!.audience,
						teamId: row.resolved!.teamId,
						manager: row.manager
					}
				}))
			);
		// New people have no earlier links to retire, so their tokens go in one statement per batch.
		const invites = creates.map((row) => ({ row, token: randomToken(20) }));
		const expiresAt = new Date(now.getTime() + TOKEN_TTL_MS.invite).toISOString();
		for (const batch of batches(invites))
			await insertMany(
				tx,
				'one_time_tokens',
				{
					token_hash: 'text',
					kind: 'text',
					user_id: 'uuid',
					expires_at: 'timestamptz',
					created_at: 'timestamptz'
				},
				batch.map(({ row, token }) => ({
					token_hash: hashToken(token),
					kind: 'invite',
					user_id: personId(row),
					expires_at: expiresAt,
					created_at: at
				}))
			);
		// People of an organisation that requires single sign-on are told to sign in with it instead.
		const ssoOnly = await requiredSignInByOrganisation(tx);
		const emails: OutgoingEmail[] = [];
		for (const { row, token } of invites)
			emails.push(
				await inviteEmail(
					tx,
					{
						id: personId(row),
						name: row.name,
						email: row.email,
						organisationId: row.resolved!.organisationId
					},
					ctx,
					`${ctx.origin}/invite/${token}`,
					ssoOnly.get(row.resolved!.organisationId) ?? null
				)
			);
		await queueEmails(tx, emails);
		// The stored obligations of everyone placed or moved: one by one for a few, all at once for many.
		if (changed.length > 200) await refreshObligations(tx, {}, now);
		else for (const row of changed) await refreshObligations(tx, { userId: personId(row) }, now);
	});
	return preview.counts;
}
