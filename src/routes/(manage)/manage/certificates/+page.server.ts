import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { certificateFilterSchema, listCertificates } from '$lib/server/certificates/service';

export const load: PageServerLoad = async ({ locals, url }) => {
	const filter = certificateFilterSchema.parse(Object.fromEntries(url.searchParams));
	return { ...(await listCertificates(db(), locals.user!, filter)), filter };
};
