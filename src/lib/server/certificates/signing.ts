import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The small cryptographic toolkit certificates need: a canonical JSON serialisation, Ed25519
 * signatures over it, and the multibase/multikey encodings the W3C Data Integrity specs use.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * JSON Canonicalization Scheme (RFC 8785) for the JSON values we handle: object keys sorted by
 * UTF-16 code units, no whitespace, strings and numbers as ECMAScript's JSON.stringify writes them
 * (which is what RFC 8785 specifies). Keys whose value is undefined are left out, as in JSON.
 */
export function canonicalJson(value: unknown): string {
	if (value === null || typeof value === 'string' || typeof value === 'boolean')
		return JSON.stringify(value);
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN or Infinity');
		return JSON.stringify(value);
	}
	if (Array.isArray(value))
		return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
	if (typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>)
			.filter(([, v]) => v !== undefined)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
	}
	throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();

export function signBytes(privateKey: KeyObject, data: Uint8Array): Buffer {
	return sign(null, data, privateKey);
}

export function verifyBytes(
	publicKey: KeyObject,
	data: Uint8Array,
	signature: Uint8Array
): boolean {
	if (signature.length !== 64) return false;
	try {
		return verify(null, data, publicKey, signature);
	} catch {
		return false;
	}
}

// --- base58btc (Bitcoin alphabet), as multibase 'z' uses -----------------------------------

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58btcEncode(bytes: Uint8Array): string {
	let zeros = 0;
	while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
	let n = 0n;
	for (const b of bytes) n = (n << 8n) | BigInt(b);
	let out = '';
	while (n > 0n) {
		out = B58[Number(n % 58n)] + out;
		n /= 58n;
	}
	return '1'.repeat(zeros) + out;
}

export function base58btcDecode(text: string): Uint8Array | null {
	if (text.length > 200) return null;
	let zeros = 0;
	while (zeros < text.length && text[zeros] === '1') zeros++;
	let n = 0n;
	for (const c of text) {
		const i = B58.indexOf(c);
		if (i < 0) return null;
		n = n * 58n + BigInt(i);
	}
	const body: number[] = [];
	while (n > 0n) {
		body.unshift(Number(n & 255n));
		n >>= 8n;
	}
	return Uint8Array.from([...new Array<number>(zeros).fill(0), ...body]);
}

// --- Ed25519 public keys ------------------------------------------------------------------

/** The 32 raw bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
	const jwk = key.export({ format: 'jwk' });
	return Buffer.from(jwk.x!, 'base64url');
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
	return createPublicKey({
		key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
		format: 'jwk'
	});
}

/** Multikey encoding of an Ed25519 public key: multibase base58btc of 0xed01 + the raw key ("z6Mk…"). */
export function publicKeyMultibase(raw: Uint8Array): string {
	return `z${base58btcEncode(Uint8Array.from([0xed, 0x01, ...raw]))}`;
}

export function rawFromMultibase(multibase: string): Uint8Array | null {
	if (!multibase.startsWith('z')) return null;
	const bytes = base58btcDecode(multibase.slice(1));
	if (!bytes || bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) return null;
	return bytes.slice(2);
}
