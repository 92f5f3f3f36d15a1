import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { organisationKinds } from '../db/schema.ts';

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
		.default([])
});

export type PartnershipFile = z.infer<typeof partnershipFileSchema>;

/** Reads and validates content/partnership.yaml; an invalid file stops start-up naming the problem. */
export function readPartnershipFile(contentDir: string): PartnershipFile {
	const file = path.join(contentDir, 'partnership.yaml');
	const parsed = partnershipFileSchema.safeParse(parse(fs.readFileSync(file, 'utf8')));
	if (!parsed.success) {
		const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
		throw new Error(`${file} is not valid: ${problems}`);
	}
	return parsed.data;
}
