import { describe, expect, it } from 'vitest';
import { mayReach } from '../../src/lib/server/auth/permissions.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';

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

describe('route permissions table', () => {
	it('sends the signed-out to sign in and keeps learners out of manage and admin', () => {
		expect(mayReach(null, '/(learner)')).toBe('sign-in');
		expect(mayReach(null, '/(auth)/sign-in')).toBe('yes');
		expect(mayReach(null, '/healthz')).toBe('yes');
		expect(mayReach(person(), '/(learner)')).toBe('yes');
		expect(mayReach(person(), '/(manage)/manage/people')).toBe('forbidden');
		expect(mayReach(person(), '/(admin)/admin/audit')).toBe('forbidden');
	});
	it('lets managers manage but not administer, and admins everything', () => {
		const manager = person({ managedOrganisationIds: ['o'] });
		expect(mayReach(manager, '/(manage)/manage/people/[id]')).toBe('yes');
		expect(mayReach(manager, '/(admin)/admin')).toBe('forbidden');
		const admin = person({ isAdmin: true });
		expect(mayReach(admin, '/(admin)/admin/outbox')).toBe('yes');
		expect(mayReach(admin, '/(manage)/manage')).toBe('yes');
	});
	it('treats an unknown route group as admin-only', () => {
		expect(mayReach(person({ managedOrganisationIds: ['o'] }), '/(secret)/x')).toBe('forbidden');
	});
});
