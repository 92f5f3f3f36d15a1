import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	return { welcome: url.searchParams.get('welcome') === '1', firstName: locals.user!.name.split(' ')[0] };
};
