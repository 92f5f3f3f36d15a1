import type { Db } from '../db/types.ts';
import { getBranding, type Branding } from './service.ts';

/** Branding changes only with the seed file, so a short in-process cache saves a query per page. */
let cached: { value: Branding; at: number } | undefined;
const TTL_MS = 60_000;

export async function brandingFor(db: Db): Promise<Branding> {
	if (cached && Date.now() - cached.at < TTL_MS) return cached.value;
	cached = { value: await getBranding(db), at: Date.now() };
	return cached.value;
}
