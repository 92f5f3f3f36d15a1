import type { PageServerLoad } from './$types';
import { helpContact } from '$lib/server/partnership/help';

export const load: PageServerLoad = () => ({ help: helpContact() });
