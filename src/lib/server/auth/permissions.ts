import type { AuthUser } from './sessions.ts';
import { ForbiddenError } from '../errors.ts';

export type Role = 'learner' | 'manager' | 'admin' | 'trainer';

export function rolesOf(user: AuthUser): Role[] {
	const roles: Role[] = ['learner'];
	if (user.managedOrganisationIds.length > 0) roles.push('manager');
	if (user.isAdmin) roles.push('admin');
	if (user.isTrainer) roles.push('trainer');
	return roles;
}

export type Access = 'public' | readonly Role[];

/**
 * The one table of who reaches which route. Access is denied by default: a route is reached only
 * through its route group here, or through an explicit entry in `routeAccess` below; anything
 * else is refused to everyone (tests/unit/route-access.spec.ts walks src/routes and fails on a
 * route that neither covers). `public` needs no sign-in; every other entry needs a signed-in
 * person with one of the roles. Loads, actions and endpoints still check organisation scope
 * through the services.
 */
export const routeGroupAccess = {
	'(public)': 'public',
	'(auth)': 'public',
	'(learner)': ['learner'],
	'(manage)': ['manager', 'admin'],
	'(admin)': ['admin'],
	// registers: trainers (of the events they run), organisers and admins; the service checks the event
	'(trainer)': ['trainer', 'manager', 'admin']
} as const satisfies Record<string, Access>;

export type RouteGroup = keyof typeof routeGroupAccess;

/**
 * Routes outside any group, each by its route id, or a whole subtree by a prefix ending in `/*`.
 * Add a line here (with who may reach it) for every new route outside the groups.
 */
export const routeAccess: Record<string, Access> = {
	'/healthz': 'public',
	// Needs no sign-in but answers only configured addresses or a bearer token (METRICS_ALLOW,
	// METRICS_TOKEN), checked in its handler.
	'/metrics': 'public',
	'/accessibility': 'public',
	'/help': 'public',
	'/verify': 'public',
	'/verify/[code]': 'public',
	'/verify/keys.json': 'public',
	'/api/scorm/*': ['learner']
};

/** Who may reach a route, or `refused` when the table does not say: nobody then. */
export function accessFor(routeId: string | null): Access | 'refused' {
	// No route matched: SvelteKit answers 404 without running any load, so there is nothing to guard.
	if (routeId === null) return 'public';
	const group = /^\/(\([a-z-]+\))(?:\/|$)/.exec(routeId)?.[1];
	if (group)
		return Object.hasOwn(routeGroupAccess, group)
			? routeGroupAccess[group as RouteGroup]
			: 'refused';
	if (Object.hasOwn(routeAccess, routeId)) return routeAccess[routeId]!;
	for (const [pattern, access] of Object.entries(routeAccess))
		if (pattern.endsWith('/*') && routeId.startsWith(pattern.slice(0, -1))) return access;
	return 'refused';
}

export function mayReach(
	user: AuthUser | null,
	routeId: string | null
): 'yes' | 'sign-in' | 'forbidden' {
	const access = accessFor(routeId);
	if (access === 'public') return 'yes';
	if (access === 'refused') return 'forbidden';
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
