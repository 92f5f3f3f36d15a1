import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { organisationKinds } from '../db/schema.ts';
import { privacyNoticeSchema } from '../privacy/notice.ts';

const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1d5f8a');

export const partnershipFileSchema = z.object({
	partnership: z.object({
		name: z.string().min(1),
		shortName: z.string().min(1),
		fullName: z.string().min(1),
		area: z.string().default(''),
		brandColour: hexColour,
		logo: z.string().optional()
	}),
	/** Who learners and managers contact for help, shown on /help and in the accessibility statement. */
	help: z
		.object({
			email: z.email(),
			phone: z.string().optional(),
			hours: z.string().optional(),
			/** who answers: e.g. "The Safer Kirklees partnership team" */
			team: z.string().min(1),
			/** the date the accessibility statement was last reviewed, YYYY-MM-DD */
			accessibilityReviewed: z
				.string()
				.regex(/^\d{4}-\d{2}-\d{2}$/)
				.optional()
		})
		.optional(),
	organisations: z
		.array(
			z.object({
				key: z.string().regex(/^[a-z0-9-]+$/),
				name: z.string().min(1),
				kind: z.enum(organisationKinds),
				description: z.string().default(''),
				teams: z.array(z.string().min(1)).default([])
			})
		)
		.min(1),
	localContacts: z
		.array(
			z.object({
				topic: z.string().min(1),
				name: z.string().min(1),
				phone: z.string().optional(),
				url: z.url().optional(),
				notes: z.string().optional()
			})
		)
		.default([]),
	/** The privacy notice and retention periods (see src/lib/server/privacy/notice.ts). */
	privacy: privacyNoticeSchema,
	/** Face-to-face and online events. */
	events: z
		.object({
			/** days after an event ends that bookers' access needs and dietary requirements are kept, then deleted */
			accessNeedsRetentionDays: z.number().int().min(0).max(365).default(14)
		})
		.default({ accessNeedsRetentionDays: 14 })
});

export type PartnershipFile = z.infer<typeof partnershipFileSchema>;

/** content/partnership.yaml as written (start-up hashes it to skip seeding an unchanged file). */
export function partnershipFileText(contentDir: string): string {
	return fs.readFileSync(path.join(contentDir, 'partnership.yaml'), 'utf8');
}

/** Reads and validates content/partnership.yaml; an invalid file stops start-up naming the problem. */
export function readPartnershipFile(
	contentDir: string,
	text = partnershipFileText(contentDir)
): PartnershipFile {
	const file = path.join(contentDir, 'partnership.yaml');
	const parsed = partnershipFileSchema.safeParse(parse(text));
	if (!parsed.success) {
		const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
		throw new Error(`${file} is not valid: ${problems}`);
	}
	return parsed.data;
}
