import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { accessFor, mayReach, routeAccess } from '../../src/lib/server/auth/permissions.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';

const ROUTES = path.resolve(import.meta.dirname, '../../src/routes');
/** Files that make a directory a route someone can request. */
const ROUTE_FILE = /^\+(page|server)(\.server)?\.(ts|js|svelte)$/;

/** Every route id under src/routes, as SvelteKit names them (`/(learner)/courses/[slug]`). */
function routeIds(dir = ROUTES): string[] {
	const ids = new Set<string>();
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) for (const id of routeIds(full)) ids.add(id);
		else if (ROUTE_FILE.test(entry.name))
			ids.add('/' + path.relative(ROUTES, dir).split(path.sep).filter(Boolean).join('/'));
	}
	return [...ids].sort();
}

const person = (over: Partial<AuthUser> = {}): AuthUser => ({
	id: 'u',
	name: 'P',
	email: 'p@example.org',
	organisationId: 'o',
	teamId: null,
	audience: 'frontline',
	isAdmin: false,
	managedOrganisationIds: [],
	...over
});

describe('every route is in the access table (deny by default)', () => {
	const ids = routeIds();

	it('finds the routes', () => {
		expect(ids).toContain('/(admin)/admin/outbox');
		expect(ids).toContain('/healthz');
		expect(ids.length).toBeGreaterThan(40);
	});

	it.each(ids)('%s is covered by its group or an explicit entry', (id) => {
		expect(
			accessFor(id),
			`add ${id} to routeAccess in src/lib/server/auth/permissions.ts, or move it into a route group`
		).not.toBe('refused');
	});

	it('has no entry for a route that does not exist', () => {
		for (const pattern of Object.keys(routeAccess)) {
			const covered = pattern.endsWith('/*')
				? ids.some((id) => id.startsWith(pattern.slice(0, -1)))
				: ids.includes(pattern);
			expect(covered, `${pattern} in routeAccess matches no route`).toBe(true);
		}
	});

	it('lets anyone reach /metrics, whose handler then checks the address or token', () => {
		expect(accessFor('/metrics')).toBe('public');
	});

	it('refuses a route the table does not know, to everyone', () => {
		const admin = person({ isAdmin: true });
		for (const id of [
			'/metrics-other',
			'/internal/debug',
			'/(secret)/x',
			'/api/other/thing',
			'/verify-other'
		]) {
			expect(accessFor(id), id).toBe('refused');
			expect(mayReach(admin, id), id).toBe('forbidden');
			expect(mayReach(null, id), id).toBe('forbidden');
		}
	});

	it('keeps the admin area, outbox and audit log to admins, and the SCORM runtime to signed-in people', () => {
		for (const id of ids.filter((i) => i.startsWith('/(admin)'))) {
			expect(mayReach(null, id), id).toBe('sign-in');
			expect(mayReach(person({ managedOrganisationIds: ['o'] }), id), id).toBe('forbidden');
			expect(mayReach(person({ isAdmin: true }), id), id).toBe('yes');
		}
		expect(mayReach(null, '/api/scorm/commit')).toBe('sign-in');
		expect(mayReach(person(), '/api/scorm/commit')).toBe('yes');
	});
});
