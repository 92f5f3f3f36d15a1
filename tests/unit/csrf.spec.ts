import { describe, expect, it } from 'vitest';
import { crossSiteFormRefused } from '../../src/lib/server/http/csrf.ts';

const url = (path: string) => new URL(path, 'https://learning.example');
const post = (path: string, origin: string | null, type = 'application/x-www-form-urlencoded') =>
	new Request(url(path), {
		method: 'POST',
		headers: { 'content-type': type, ...(origin ? { origin } : {}) },
		body: 'a=b'
	});

describe('the origin check that replaces SvelteKit’s', () => {
	it('refuses form posts from another origin, or with no origin, anywhere but the SAML assertion consumer service', () => {
		expect(crossSiteFormRefused(post('/sign-in', 'https://evil.example'), url('/sign-in'))).toBe(
			true
		);
		expect(crossSiteFormRefused(post('/sign-in', null), url('/sign-in'))).toBe(true);
		expect(
			crossSiteFormRefused(
				post('/manage/people', 'https://evil.example', 'multipart/form-data; boundary=x'),
				url('/manage/people')
			)
		).toBe(true);
		expect(
			crossSiteFormRefused(post('/sso/saml/acs', 'https://idp.example'), url('/sso/saml/acs'))
		).toBe(false);
		expect(
			crossSiteFormRefused(post('/sso/saml/acs/', 'https://idp.example'), url('/sso/saml/acs/'))
		).toBe(true);
	});

	it('lets same-origin posts, GETs and JSON bodies through, as SvelteKit does', () => {
		expect(
			crossSiteFormRefused(post('/sign-in', 'https://learning.example'), url('/sign-in'))
		).toBe(false);
		expect(
			crossSiteFormRefused(
				new Request(url('/sign-in'), { headers: { origin: 'https://evil.example' } }),
				url('/sign-in')
			)
		).toBe(false);
		expect(
			crossSiteFormRefused(
				post('/api/x', 'https://evil.example', 'application/json'),
				url('/api/x')
			)
		).toBe(false);
	});
});
