import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { localContacts, organisations, partnership, teams } from '../db/schema.ts';
import type { PartnershipFile } from './seed-file.ts';

/**
 * Brings the database in line with the partnership file: the partnership and organisations (by key)
 * are updated, missing teams are added, and local contacts are seeded only on first run so that
 * admins' edits survive restarts. Safe to run on every start, from several instances at once.
 */
export async function seedPartnership(db: Db, data: PartnershipFile): Promise<void> {
	await db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(7245002)`);
		const p = data.partnership;
		await tx
			.insert(partnership)
			.values({
				id: 1,
				...p,
				logo: p.logo ?? null,
				privacy: data.privacy,
				eventAccessNeedsRetentionDays: data.events.accessNeedsRetentionDays
			})
			.onConflictDoUpdate({
				target: partnership.id,
				set: {
					...p,
					logo: p.logo ?? null,
					privacy: data.privacy,
					eventAccessNeedsRetentionDays: data.events.accessNeedsRetentionDays,
					updatedAt: new Date()
				}
			});
		for (const org of data.organisations) {
			const [row] = await tx
				.insert(organisations)
				.values({ key: org.key, name: org.name, kind: org.kind, description: org.description })
				.onConflictDoUpdate({
					target: organisations.key,
					set: { name: org.name, kind: org.kind, description: org.description }
				})
				.returning({ id: organisations.id });
			for (const name of org.teams) {
				await tx.insert(teams).values({ organisationId: row!.id, name }).onConflictDoNothing();
			}
		}
		const [existing] = await tx.select({ n: sql<number>`count(*)::int` }).from(localContacts);
		if ((existing?.n ?? 0) === 0 && data.localContacts.length > 0) {
			await tx.insert(localContacts).values(
				data.localContacts.map((c, i) => ({
					topic: c.topic,
					name: c.name,
					phone: c.phone ?? null,
					url: c.url ?? null,
					notes: c.notes ?? null,
					sortOrder: i
				}))
			);
		}
	});
}

export interface Branding {
	name: string;
	shortName: string;
	fullName: string;
	area: string;
	brandColour: string;
	logo: string | null;
}

export async function getBranding(db: Db): Promise<Branding> {
	const [row] = await db.select().from(partnership).where(eq(partnership.id, 1));
	if (!row) throw new Error('The partnership has not been seeded');
	return {
		name: row.name,
		shortName: row.shortName,
		fullName: row.fullName,
		area: row.area,
		brandColour: row.brandColour,
		logo: row.logo
	};
}

export async function listOrganisations(db: Db) {
	return db.select().from(organisations).orderBy(asc(organisations.name));
}
