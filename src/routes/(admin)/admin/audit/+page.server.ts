import { z } from 'zod';
import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { auditFilterChoices, listAudit } from '$lib/server/audit/service';

/** A filter value that does not fit is dropped, not an error: the page shows everything instead. */
const filterSchema = z.object({
	action: z.string().trim().max(100).optional().catch(undefined),
	organisationId: z.uuid().optional().catch(undefined),
	page: z.coerce.number().int().min(1).max(100_000).catch(1)
});

export const load: PageServerLoad = async ({ url, locals }) => {
	const filter = filterSchema.parse(Object.fromEntries(url.searchParams));
	const pageSize = 50;
	const action = filter.action || undefined;
	const [result, choices] = await Promise.all([
		listAudit(db(), locals.user!, { ...filter, action, pageSize }),
		auditFilterChoices(db(), locals.user!)
	]);
	return {
		...result,
		choices,
		page: filter.page,
		pageSize,
		filter: { action: action ?? '', organisationId: filter.organisationId ?? '' }
	};
};
