import { describe, expect, it } from 'vitest';
import {
	hasUnstorableText,
	jsonTooDeep,
	requestProblem
} from '../../src/lib/server/http/boundary.ts';
import { restoredTree, storableTree } from '../../src/lib/server/scorm/cmi-text.ts';
import { formToObject, nameField } from '../../src/lib/server/validation.ts';

describe('input no form can use is refused at the boundary', () => {
	it('knows NUL and lone surrogates from ordinary text', () => {
		expect(hasUnstorableText('Siân O’Brien 😀')).toBe(false);
		expect(hasUnstorableText('a\u0000b')).toBe(true);
		expect(hasUnstorableText('😀'.slice(0, 1))).toBe(true);
		expect(hasUnstorableText('😀'.slice(1))).toBe(true);
	});
	it('refuses NUL in the address and ?/default on a post', () => {
		expect(requestProblem('GET', new URL('https://l.example/manage/people?q=a%00b'))?.status).toBe(
			400
		);
		expect(requestProblem('GET', new URL('https://l.example/verify/AB%00CD'))?.status).toBe(400);
		expect(requestProblem('GET', new URL('https://l.example/verify/%E0%A4%A'))?.status).toBe(400);
		expect(requestProblem('POST', new URL('https://l.example/sign-in?/default'))?.status).toBe(404);
		expect(requestProblem('POST', new URL('https://l.example/account?/password'))).toBeNull();
		expect(
			requestProblem('GET', new URL('https://l.example/manage/people?q=O%E2%80%99Brien'))
		).toBeNull();
	});
	it('measures JSON nesting without parsing, ignoring brackets in strings', () => {
		expect(jsonTooDeep('['.repeat(100_000) + ']'.repeat(100_000), 32)).toBe(true);
		expect(
			jsonTooDeep('{"a":{"b":[1,2,{"c":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]}}', 32)
		).toBe(false);
		expect(jsonTooDeep('{"a":"\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 4)).toBe(false);
	});
	it('keeps form fields named like Object.prototype members as ordinary fields, and ignores __proto__', () => {
		const form = new FormData();
		form.append('constructor', 'x');
		form.append('toString', 'y');
		form.append('__proto__', 'z');
		const values = formToObject(form);
		expect(values).toEqual({ constructor: 'x', toString: 'y' });
		expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
		expect(JSON.parse(JSON.stringify(values))).toEqual({ constructor: 'x', toString: 'y' });
		// A query string is read by the same rules (a filter page sends what was typed back to the page).
		expect(formToObject(new URLSearchParams('__proto__=1&from-day=3&q=a&q=b'))).toEqual({
			'from-day': '3',
			q: ['a', 'b']
		});
	});
	it('refuses control and text-direction characters in names', () => {
		expect(nameField.safeParse('Siân O’Brien-Ng').success).toBe(true);
		for (const bad of [
			'Alice\u202Egnp.exe',
			'Bob\u2066x\u2069',
			'Tab\tName',
			'Null\u0000',
			'Del\u007F'
		])
			expect(nameField.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
	});
});

describe('SCORM data is stored losslessly', () => {
	it('a suspend_data cut in the middle of an emoji, NUL, and the marker itself round-trip exactly', () => {
		const cut = 'progress 😀😀'.slice(0, -1);
		const tree = {
			cmi: {
				suspend_data: cut,
				comments: 'a\u0000b',
				location: '\uFFFFsneaky',
				['key\uD800']: 'v',
				n: 3,
				list: ['😀'.slice(1), 'plain']
			}
		};
		const stored = storableTree(tree);
		expect(JSON.stringify(stored)).not.toMatch(/\\u0000|\\ud[89ab]|\\ud[c-f]/i);
		expect(hasUnstorableText(JSON.stringify(stored))).toBe(false);
		expect(restoredTree(stored)).toEqual(tree);
		expect((restoredTree(stored) as typeof tree).cmi.suspend_data).toBe(cut);
		expect(storableTree({ plain: 'text' })).toEqual({ plain: 'text' });
	});
});

import { productionProblems } from '../../src/lib/server/config.ts';

describe('production configuration', () => {
	const complete = {
		NODE_ENV: 'production',
		ORIGIN: 'https://l.example',
		DATABASE_URL: 'postgres://db/x',
		CERTIFICATE_KEY_SECRET: 's'
	};
	it('needs ORIGIN, a database chosen on purpose and the key secret; nothing outside production', () => {
		expect(productionProblems(complete)).toEqual([]);
		expect(
			productionProblems({ ...complete, DATABASE_URL: undefined, EMBEDDED_DATABASE: 'true' })
		).toEqual([]);
		expect(productionProblems({ ...complete, ORIGIN: ' ' })).toHaveLength(1);
		expect(productionProblems({ ...complete, DATABASE_URL: '' })).toHaveLength(1);
		expect(productionProblems({ ...complete, CERTIFICATE_KEY_SECRET: undefined })).toHaveLength(1);
		expect(productionProblems({})).toEqual([]);
	});

	it('takes the SAML request signing pair whole or not at all', () => {
		const pair = { SAML_SP_PRIVATE_KEY: 'key.pem', SAML_SP_CERTIFICATE: 'cert.pem' };
		expect(productionProblems({ ...complete, ...pair })).toEqual([]);
		expect(productionProblems({ ...complete, SAML_SP_PRIVATE_KEY: 'key.pem' })).toEqual([
			expect.stringContaining('Set both SAML_SP_PRIVATE_KEY and SAML_SP_CERTIFICATE')
		]);
		expect(productionProblems({ ...complete, SAML_SP_CERTIFICATE: 'cert.pem' })).toHaveLength(1);
	});
});
