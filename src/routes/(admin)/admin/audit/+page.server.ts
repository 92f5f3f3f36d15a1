import { z } from 'zod';
import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { listAudit } from '$lib/server/audit/service';

const filterSchema = z.object({
	action: z.string().trim().max(100).optional().catch(undefined),
	page: z.coerce.number().int().min(1).max(100_000).catch(1)
});

export const load: PageServerLoad = async ({ url }) => {
	const filter = filterSchema.parse(Object.fromEntries(url.searchParams));
	const pageSize = 50;
	const result = await listAudit(db(), { ...filter, action: filter.action || undefined, pageSize });
	return { ...result, page: filter.page, pageSize, action: filter.action ?? '' };
};
