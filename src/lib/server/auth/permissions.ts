import type { AuthUser } from './sessions.ts';
import { ForbiddenError } from '../errors.ts';

export type Role = 'learner' | 'manager' | 'admin';

export function rolesOf(user: AuthUser): Role[] {
	const roles: Role[] = ['learner'];
	if (user.managedOrganisationIds.length > 0) roles.push('manager');
	if (user.isAdmin) roles.push('admin');
	return roles;
}

/**
 * The one table of who reaches which route group. `public` needs no sign-in; every other group
 * needs a signed-in person with one of the roles. Loads, actions and endpoints still check
 * organisation scope through the services.
 */
export const routeGroupAccess = {
	'(public)': 'public',
	'(auth)': 'public',
	'(learner)': ['learner'],
	'(manage)': ['manager', 'admin'],
	'(admin)': ['admin']
} as const satisfies Record<string, 'public' | readonly Role[]>;

export type RouteGroup = keyof typeof routeGroupAccess;

/** Routes outside any group (health check, public verification) are public. */
export function accessFor(routeId: string | null): 'public' | readonly Role[] {
	if (!routeId) return 'public';
	const group = /^\/(\([a-z]+\))/.exec(routeId)?.[1] as RouteGroup | undefined;
	if (!group) return routeId.startsWith('/api/') ? ['learner'] : 'public';
	return routeGroupAccess[group] ?? ['admin'];
}

export function mayReach(user: AuthUser | null, routeId: string | null): 'yes' | 'sign-in' | 'forbidden' {
	const access = accessFor(routeId);
	if (access === 'public') return 'yes';
	if (!user) return 'sign-in';
	const roles = rolesOf(user);
	return access.some((r) => roles.includes(r)) ? 'yes' : 'forbidden';
}

/** null means every organisation (partnership admins). */
export function manageableOrganisationIds(user: AuthUser): readonly string[] | null {
	return user.isAdmin ? null : user.managedOrganisationIds;
}

export function canManageOrganisation(user: AuthUser, organisationId: string): boolean {
	return user.isAdmin || user.managedOrganisationIds.includes(organisationId);
}

export function assertCanManageOrganisation(user: AuthUser, organisationId: string): void {
	if (!canManageOrganisation(user, organisationId))
		throw new ForbiddenError('You can only manage people in organisations you manage.');
}

export function assertAdmin(user: AuthUser): void {
	if (!user.isAdmin) throw new ForbiddenError('Only partnership admins can do that.');
}
