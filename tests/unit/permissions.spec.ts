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
	it('lets trainers reach the registers, and nothing of manage or admin', () => {
		const trainer = person({ isTrainer: true });
		expect(mayReach(trainer, '/(trainer)/trainer/events/[id]')).toBe('yes');
		expect(mayReach(trainer, '/(manage)/manage/events/[id]')).toBe('forbidden');
		expect(mayReach(trainer, '/(admin)/admin')).toBe('forbidden');
		expect(mayReach(person(), '/(trainer)/trainer')).toBe('forbidden');
		expect(mayReach(person({ managedOrganisationIds: ['o'] }), '/(trainer)/trainer')).toBe('yes');
	});
	it('refuses an unknown route group, also to admins', () => {
		expect(mayReach(person({ isAdmin: true }), '/(secret)/x')).toBe('forbidden');
	});
});

import { safeNext } from '../../src/lib/server/auth/cookies.ts';
import { withoutOneTimeLinks } from '../../src/lib/server/email/mailer.ts';

describe('after sign-in, only same-site paths', () => {
	it('refuses other sites however they are disguised', () => {
		expect(safeNext('/manage/people?q=a#x')).toBe('/manage/people?q=a#x');
		expect(safeNext('/courses/./a/../b')).toBe('/courses/b');
		for (const bad of [
			'//evil.example',
			'/\\evil.example',
			'/\t/evil.example',
			'/\n/evil.example',
			'https://evil.example',
			'evil',
			null,
			'/%09/evil.example/x',
			'/.//evil.example',
			'/..//evil.example',
			'/%2e//evil.example',
			'/%2E%2E//evil.example',
			'/a/..//evil.example',
			'/a/%2e%2e//evil.example',
			'/./\\evil.example',
			'/.//evil.example/path?x=1'
		])
			expect(new URL(safeNext(bad), 'https://learning.example').origin, String(bad)).toBe(
				'https://learning.example'
			);
		for (const bad of [
			'/.//evil.example',
			'/..//evil.example',
			'/%2e//evil.example',
			'/a/..//evil.example'
		])
			expect(safeNext(bad), bad).toBe('/');
	});
});

describe('sent emails', () => {
	it('lose the secret part of one-time links once delivered', () => {
		expect(
			withoutOneTimeLinks(
				'Open https://l.example/reset-password/abcdefghijklmnopqrstuvwx within an hour'
			)
		).toBe('Open https://l.example/reset-password/[link removed after sending] within an hour');
	});
});
