import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/**
 * Secrets at rest (certificate signing keys, identity-provider client secrets): AES-256-GCM with a
 * key derived from CERTIFICATE_KEY_SECRET by scrypt, and a label (key id, organisation id) as
 * associated data so a sealed value cannot be moved to another row. Format: v1.salt.iv.tag.body.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

export class SecretBoxError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'SecretBoxError';
	}
}

export function sealSecret(plain: Buffer, secret: string, label: string): string {
	const salt = randomBytes(16);
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', scryptSync(secret, salt, 32, SCRYPT), iv);
	cipher.setAAD(Buffer.from(label));
	const body = Buffer.concat([cipher.update(plain), cipher.final()]);
	return ['v1', salt, iv, cipher.getAuthTag(), body]
		.map((p) => (typeof p === 'string' ? p : p.toString('base64')))
		.join('.');
}

/** Throws SecretBoxError for an unknown format or a secret (or label) that does not open it. */
export function openSecret(stored: string, secret: string, label: string): Buffer {
	const [version, salt, iv, tag, body] = stored.split('.');
	if (version !== 'v1' || !salt || !iv || !tag || !body)
		throw new SecretBoxError('not in a format this version understands');
	try {
		const decipher = createDecipheriv(
			'aes-256-gcm',
			scryptSync(secret, Buffer.from(salt, 'base64'), 32, SCRYPT),
			Buffer.from(iv, 'base64')
		);
		decipher.setAAD(Buffer.from(label));
		decipher.setAuthTag(Buffer.from(tag, 'base64'));
		return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]);
	} catch {
		throw new SecretBoxError('the secret does not open it');
	}
}
