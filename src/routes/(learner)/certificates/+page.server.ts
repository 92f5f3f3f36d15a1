import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { myCertificates } from '$lib/server/certificates/service';

export const load: PageServerLoad = async ({ locals }) => ({
	courses: await myCertificates(db(), locals.user!)
});
