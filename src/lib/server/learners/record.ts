import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import type { AuthUser } from '../auth/sessions.ts';
import {
	certificates,
	completions,
	courses,
	managerOrganisations,
	organisations,
	teams,
	users
} from '../db/schema.ts';
import { ValidationError } from '../errors.ts';
import { recordAudit } from '../audit/service.ts';
import { formatIsoDate } from '../../format.ts';

/** Who the learner is in the partnership: organisation, team and who manages them. */
export async function myProfile(db: Db, learner: AuthUser) {
	const [row] = await db
		.select({ organisationName: organisations.name, teamName: teams.name })
		.from(users)
		.innerJoin(organisations, eq(organisations.id, users.organisationId))
		.leftJoin(teams, eq(teams.id, users.teamId))
		.where(eq(users.id, learner.id));
	const managers = await db
		.select({ name: users.name, email: users.email })
		.from(managerOrganisations)
		.innerJoin(users, eq(users.id, managerOrganisations.userId))
		.where(
			and(
				eq(managerOrganisations.organisationId, learner.organisationId),
				eq(users.status, 'active'),
				sql`${users.id} <> ${learner.id}`
			)
		)
		.orderBy(asc(users.name));
	return {
		organisationName: row?.organisationName ?? '',
		teamName: row?.teamName ?? null,
		managers
	};
}

const nameSchema = z.object({
	name: z
		.string()
		.trim()
		.min(1, 'Enter the name you want to be shown by')
		.max(100, 'Use 100 characters or fewer')
});

/** The learner changes the name they are shown by (on pages, certificates issued from now, emails). */
export async function changeMyName(db: Db, learner: AuthUser, raw: unknown) {
	const parsed = nameSchema.safeParse(raw);
	if (!parsed.success)
		throw new ValidationError(
			{ name: parsed.error.issues[0]!.message },
			parsed.error.issues[0]!.message
		);
	const name = parsed.data.name;
	if (name === learner.name) return { changed: false };
	await db.transaction(async (tx) => {
		await tx.update(users).set({ name }).where(eq(users.id, learner.id));
		await recordAudit(tx, {
			actorId: learner.id,
			action: 'person.name-changed',
			targetType: 'person',
			targetId: learner.id,
			organisationId: learner.organisationId,
			details: { from: learner.name, to: name }
		});
	});
	return { changed: true };
}

export interface RecordRow {
	courseTitle: string;
	completedAt: Date;
	how: string;
	scorePercent: number | null;
	certificateCode: string | null;
	validUntil: Date | null;
	withdrawn: boolean;
}

/** Every completion the learner has (withdrawn ones marked), newest first, with its certificate. */
export async function recordOfLearning(db: Db, learner: AuthUser): Promise<RecordRow[]> {
	const rows = await db
		.select({
			courseTitle: courses.title,
			completedAt: completions.completedAt,
			source: completions.source,
			scorePercent: completions.scorePercent,
			evidence: completions.evidence,
			voidedAt: completions.voidedAt,
			code: certificates.code,
			expiresAt: certificates.expiresAt,
			revokedAt: certificates.revokedAt
		})
		.from(completions)
		.innerJoin(courses, eq(courses.id, completions.courseId))
		.leftJoin(certificates, eq(certificates.completionId, completions.id))
		.where(eq(completions.userId, learner.id))
		.orderBy(desc(completions.completedAt));
	return rows.map((r) => ({
		courseTitle: r.courseTitle,
		completedAt: r.completedAt,
		how:
			r.source === 'external'
				? `Recorded by a manager${r.evidence ? `: ${r.evidence}` : ''}`
				: r.source === 'scorm'
					? 'E-learning package'
					: 'Online course and assessment',
		scorePercent: r.scorePercent,
		certificateCode: r.code && !r.revokedAt && !r.voidedAt ? r.code : null,
		validUntil: r.expiresAt,
		withdrawn: Boolean(r.voidedAt)
	}));
}

export const recordCsvHeader = [
	'Course',
	'Completed on',
	'How',
	'Score (%)',
	'Certificate code',
	'Valid until',
	'Withdrawn'
];
export function recordCsvRow(r: RecordRow): unknown[] {
	return [
		r.courseTitle,
		formatIsoDate(r.completedAt),
		r.how,
		r.scorePercent ?? '',
		r.certificateCode ?? '',
		r.validUntil ? formatIsoDate(r.validUntil) : '',
		r.withdrawn ? 'yes' : ''
	];
}
