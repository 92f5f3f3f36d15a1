import { eq } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db/types.ts';
import {
	completions,
	managerOrganisations,
	organisations,
	teams,
	users,
	type Audience
} from '../../src/lib/server/db/schema.ts';
import { hashPassword } from '../../src/lib/server/auth/password.ts';
import { refreshObligations } from '../../src/lib/server/tracking/queries.ts';
import { runCompletionHooks } from '../../src/lib/server/courses/completion.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';

/** Test data made through the database layer, shared by Vitest and Playwright set-up. */
export async function orgId(db: Db, key: string): Promise<string> {
	const [row] = await db
		.select({ id: organisations.id })
		.from(organisations)
		.where(eq(organisations.key, key));
	if (!row) throw new Error(`no organisation ${key}`);
	return row.id;
}

export async function teamId(db: Db, organisationKey: string, name: string): Promise<string> {
	const org = await orgId(db, organisationKey);
	const rows = await db.select().from(teams).where(eq(teams.organisationId, org));
	const team = rows.find((t) => t.name === name);
	if (!team) throw new Error(`no team ${name}`);
	return team.id;
}

let hashed: Promise<string> | undefined;
export const TEST_PASSWORD = 'correct horse battery staple';

/** Makes a person directly (not through the invite journey), returning them as the session would. */
export async function makePerson(
	db: Db,
	opts: {
		email: string;
		organisationKey?: string;
		name?: string;
		audience?: Audience;
		isAdmin?: boolean;
		manages?: readonly string[];
		/** a team of the person's organisation, by name */
		team?: string;
		/** false: no password yet (invited); a string: this argon2 hash */
		password?: boolean | string;
	}
): Promise<AuthUser> {
	hashed ??= hashPassword(TEST_PASSWORD);
	const organisationId = await orgId(db, opts.organisationKey ?? 'west-yorkshire-police');
	const [row] = await db
		.insert(users)
		.values({
			email: opts.email.toLowerCase(),
			name: opts.name ?? opts.email.split('@')[0]!,
			organisationId,
			teamId: opts.team
				? await teamId(db, opts.organisationKey ?? 'west-yorkshire-police', opts.team)
				: null,
			audience: opts.audience ?? 'frontline',
			isAdmin: opts.isAdmin ?? false,
			passwordHash:
				opts.password === false
					? null
					: typeof opts.password === 'string'
						? opts.password
						: await hashed
		})
		.returning();
	const managed: string[] = [];
	for (const key of opts.manages ?? []) {
		const id = await orgId(db, key);
		await db.insert(managerOrganisations).values({ userId: row!.id, organisationId: id });
		managed.push(id);
	}
	// As every path that adds a person does: their obligations, stored at once.
	await refreshObligations(db, { userId: row!.id });
	return {
		id: row!.id,
		name: row!.name,
		email: row!.email,
		organisationId,
		teamId: row!.teamId,
		audience: row!.audience,
		isAdmin: row!.isAdmin,
		managedOrganisationIds: managed
	};
}

/** A completion of an online course, written as a passed assessment would be, with its hooks. */
export async function completeCourse(db: Db, userId: string, courseId: string, when: Date) {
	const [row] = await db
		.insert(completions)
		.values({ userId, courseId, courseVersion: '1.0.0', completedAt: when, source: 'native' })
		.returning();
	await runCompletionHooks(db, row!);
	return row!;
}
