import { randomBytes } from 'node:crypto';

/**
 * Certificate codes: 16 symbols of Crockford's base32 (no I, L, O or U, so nothing is mistaken
 * for 1, 0 or V when read aloud or typed), shown in four groups of four: ABCD-EFGH-JKMN-PQRS.
 * 16 × 5 = 80 bits from the operating system's random source: not sequential, not guessable.
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_SYMBOLS = 16;
export const CODE_BITS = CODE_SYMBOLS * 5;

export function generateCode(random: (bytes: number) => Uint8Array = randomBytes): string {
	const bytes = random(CODE_BITS / 8);
	let bits = 0;
	let value = 0;
	let out = '';
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += CODE_ALPHABET[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
		value &= (1 << bits) - 1;
	}
	return formatCode(out);
}

export function formatCode(symbols: string): string {
	return symbols.match(/.{1,4}/g)!.join('-');
}

/**
 * What someone typed, as the canonical code, or null when it cannot be one. Case, spaces, hyphens
 * and dots do not matter; O is read as 0 and I or L as 1, as Crockford's base32 intends.
 */
export function normaliseCode(input: unknown): string | null {
	if (typeof input !== 'string' || input.length > 64) return null;
	const symbols = input
		.toUpperCase()
		.replace(/[\s\-–—.]/g, '')
		.replace(/O/g, '0')
		.replace(/[IL]/g, '1');
	if (symbols.length !== CODE_SYMBOLS) return null;
	for (const c of symbols) if (!CODE_ALPHABET.includes(c)) return null;
	return formatCode(symbols);
}
