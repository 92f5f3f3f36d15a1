import { db } from '../app.ts';
import { config } from '../config.ts';
import { brandingFor } from '../partnership/branding-cache.ts';

/** What emails need to build links: the public origin and the partnership's name. */
export async function mailContext(url: URL) {
	const branding = await brandingFor(db());
	return { origin: config.origin ?? url.origin, partnershipName: branding.name };
}
