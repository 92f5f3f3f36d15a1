import type { LayoutServerLoad } from './$types';
import { db } from '$lib/server/app';
import { brandingFor } from '$lib/server/partnership/branding-cache';
import { rolesOf } from '$lib/server/auth/permissions';

export const load: LayoutServerLoad = async ({ locals }) => {
	const user = locals.user;
	return {
		branding: await brandingFor(db()),
		user: user ? { name: user.name, roles: rolesOf(user) } : null
	};
};
