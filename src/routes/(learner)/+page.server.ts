import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { myLearning } from '$lib/server/courses/service';
import { latestCertificateBySlug } from '$lib/server/certificates/service';

export const load: PageServerLoad = async ({ locals, url }) => {
	const [learning, certificates] = await Promise.all([myLearning(db(), locals.user!), latestCertificateBySlug(db(), locals.user!)]);
	return { welcome: url.searchParams.get('welcome') === '1', firstName: locals.user!.name.split(' ')[0], learning, certificates };
};
