import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import { localContacts } from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { assertAdmin } from '../auth/permissions.ts';
import { recordAudit } from '../audit/service.ts';
import { NotFoundError } from '../errors.ts';
import { MAX_LONG_TEXT, MAX_TEXT, parseInput } from '../validation.ts';

/** Topics lessons can show with <WhoToContact topic="…"> (content/README.md lists them too). */
export const CONTACT_TOPICS = {
	emergency: 'Emergencies',
	asb: 'Anti-social behaviour',
	children: 'Worried about a child',
	adults: 'Worried about an adult',
	'domestic-abuse': 'Domestic abuse',
	'hate-crime': 'Hate crime',
	'modern-slavery': 'Modern slavery',
	prevent: 'Radicalisation (Prevent)',
	'fgm-forced-marriage': 'FGM and forced marriage',
	lado: 'Concerns about someone who works with children (LADO)',
	marac: 'High-risk domestic abuse (MARAC)',
	'safeguarding-children-partnership': 'Safeguarding Children Partnership',
	'safeguarding-adults-board': 'Safeguarding Adults Board',
	'asb-case-review': 'ASB Case Review',
	wellbeing: 'Your own wellbeing'
} as const;

const optionalText = (max: number, message: string) =>
	z
		.string()
		.trim()
		.max(max, message)
		.optional()
		.transform((v) => v || null);

const contactSchema = z.object({
	topic: z.enum(Object.keys(CONTACT_TOPICS) as [keyof typeof CONTACT_TOPICS], {
		error: 'Choose a topic'
	}),
	name: z
		.string({ error: 'Enter who to contact' })
		.trim()
		.min(2, 'Enter who to contact')
		.max(MAX_TEXT, `Enter ${MAX_TEXT} characters or fewer`),
	phone: optionalText(40, 'Enter a phone number of 40 characters or fewer').pipe(
		z
			.string()
			.regex(/^[0-9+() -]+$/, 'Enter a phone number using digits, spaces and + ( ) only')
			.nullable()
	),
	url: optionalText(500, 'Enter a web address of 500 characters or fewer').pipe(
		z.url({ protocol: /^https?$/, error: 'Enter a web address starting with https://' }).nullable()
	),
	notes: optionalText(MAX_LONG_TEXT, `Enter notes of ${MAX_LONG_TEXT} characters or fewer`)
});

/** Admins only: the contacts as admins edit them. */
export async function listContacts(db: Db, actor: AuthUser) {
	assertAdmin(actor);
	return db
		.select()
		.from(localContacts)
		.orderBy(asc(localContacts.topic), asc(localContacts.sortOrder));
}

export async function saveContact(db: Db, actor: AuthUser, id: string | null, raw: unknown) {
	assertAdmin(actor);
	const input = parseInput(contactSchema, raw);
	await db.transaction(async (tx) => {
		if (id) {
			const [before] = z.uuid().safeParse(id).success
				? await tx.select().from(localContacts).where(eq(localContacts.id, id))
				: [];
			if (!before) throw new NotFoundError('We could not find that contact.');
			await tx
				.update(localContacts)
				.set({ ...input, updatedAt: new Date() })
				.where(eq(localContacts.id, id));
			await recordAudit(tx, {
				actorId: actor.id,
				action: 'contact.updated',
				targetType: 'contact',
				targetId: id,
				details: { from: { name: before.name, phone: before.phone, url: before.url }, to: input }
			});
		} else {
			const [row] = await tx
				.insert(localContacts)
				.values({ ...input, sortOrder: 100 })
				.returning({ id: localContacts.id });
			await recordAudit(tx, {
				actorId: actor.id,
				action: 'contact.added',
				targetType: 'contact',
				targetId: row!.id,
				details: input
			});
		}
	});
}
