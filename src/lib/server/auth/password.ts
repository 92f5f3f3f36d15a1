import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

/** OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1. */
/** `algorithm: 2` is Algorithm.Argon2id (a const enum, which isolated modules cannot import). */
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
/** Long passphrases are welcome; the cap only stops abuse of the hashing work. */
export const PASSWORD_MAX_LENGTH = 256;

const commonPasswords = new Set(
	(dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase())
);

/** Returns a message to show the person, or null when the password is acceptable. */
export function passwordProblem(password: string, context: string[] = []): string | null {
	const length = [...password].length;
	if (length < PASSWORD_MIN_LENGTH)
		return `Enter a password of at least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a good one.`;
	if (length > PASSWORD_MAX_LENGTH)
		return `Enter a password of ${PASSWORD_MAX_LENGTH} characters or fewer.`;
	const lower = password.toLowerCase();
	// "Password1234!" is a common password with a suffix: strip trailing digits and symbols too.
	const base = lower.replace(/[\d\W_]+$/u, '');
	if (
		commonPasswords.has(lower) ||
		(base.length >= 4 && commonPasswords.has(base)) ||
		new Set(lower).size <= 3
	) {
		return 'This password is too common and easy to guess. Choose something less predictable, such as a few unrelated words.';
	}
	for (const word of context.flatMap((c) => c.toLowerCase().split(/[\s@._-]+/))) {
		if (word.length >= 4 && lower.includes(word))
			return 'Your password must not contain your name, email address or the name of this service.';
	}
	return null;
}

export function hashPassword(password: string): Promise<string> {
	return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

let dummyHash: Promise<string> | undefined;
/** Verifies against a throwaway hash so an unknown account costs the same time as a known one. */
export async function spendVerifyTime(password: string): Promise<void> {
	dummyHash ??= hashPassword('timing-equaliser-' + Math.random());
	await verifyPassword(await dummyHash, password);
}
