import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { partnershipDashboard } from '$lib/server/tracking/partnership';

export const load: PageServerLoad = async ({ locals }) => partnershipDashboard(db(), locals.user!);
