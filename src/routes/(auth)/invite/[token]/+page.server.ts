import type { Actions, PageServerLoad } from './$types';
import { passwordLinkRoute } from '$lib/server/auth/password-link-route';

const route = passwordLinkRoute('invite');
export const load: PageServerLoad = route.load;
export const actions: Actions = route.actions;
