import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { myLearning } from '$lib/server/courses/service';
import { latestCertificateBySlug } from '$lib/server/certificates/service';

export const load: PageServerLoad = async ({ locals, url }) => ({
	welcome: url.searchParams.get('welcome') === '1',
	firstName: locals.user!.name.split(' ')[0],
	learning: await myLearning(db(), locals.user!),
	certificates: await latestCertificateBySlug(db(), locals.user!)
});
