import { describe, expect, it } from 'vitest';
import {
	hashPassword,
	passwordProblem,
	verifyPassword
} from '../../src/lib/server/auth/password.ts';

describe('password policy', () => {
	it('wants length, welcomes passphrases and refuses common passwords', () => {
		expect(passwordProblem('short pass')).toMatch(/at least 12/);
		expect(passwordProblem('correct horse battery staple')).toBeNull();
		expect(passwordProblem('a'.repeat(300))).toMatch(/256 characters or fewer/);
		expect(passwordProblem('password1234')).toMatch(/too common/);
		expect(passwordProblem('Sunshine2024!!')).toMatch(/too common/);
		expect(passwordProblem('aaaaaaaaaaaaaaa')).toMatch(/too common/);
		expect(passwordProblem('jordan-river-safety', ['Jordan Smith'])).toMatch(/must not contain/);
	});
	it('hashes with argon2id and verifies', async () => {
		const hash = await hashPassword('lantern orchard piano');
		expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
		expect(await verifyPassword(hash, 'lantern orchard piano')).toBe(true);
		expect(await verifyPassword(hash, 'lantern orchard pianO')).toBe(false);
		expect(await verifyPassword('not a hash', 'x')).toBe(false);
	});
});
