import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ url }) => ({
	welcome: url.searchParams.get('welcome') === '1'
});
