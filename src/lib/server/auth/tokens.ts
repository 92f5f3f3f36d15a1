import { createHash } from 'node:crypto';
import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/** 120+ bits from the platform CSPRNG, in a URL- and cookie-safe alphabet. */
export function randomToken(bytes = 20): string {
	const buffer = new Uint8Array(bytes);
	crypto.getRandomValues(buffer);
	return encodeBase32LowerCaseNoPadding(buffer);
}

export function hashBytes(value: string): Uint8Array {
	return sha256(new TextEncoder().encode(value));
}

/** The same digest as hashBytes, hex; node:crypto's native SHA-256 (thousands per CSV import). */
export function hashToken(value: string): string {
	return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
	return a.byteLength === b.byteLength && constantTimeEqual(a, b);
}
