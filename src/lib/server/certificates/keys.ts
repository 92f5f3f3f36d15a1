import {
	createPrivateKey,
	createPublicKey,
	generateKeyPairSync,
	type KeyObject
} from 'node:crypto';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { signingKeys } from '../db/schema.ts';
import { logger } from '../logger.ts';
import { SecretBoxError, openSecret, sealSecret } from '../crypto/secret-box.ts';
import { publicKeyMultibase, rawPublicKey, sha256 } from './signing.ts';

/**
 * The Ed25519 keys that sign certificates. The first start creates one (under an advisory lock, so
 * instances starting together agree on one key); it is kept for good. Rotating means retiring the
 * current key (setting retired_at): the next start creates a new one, and retired keys stay
 * published so that everything they signed still verifies.
 *
 * With CERTIFICATE_KEY_SECRET set, private keys are stored encrypted (AES-256-GCM, key derived
 * from the secret with scrypt, the key id as associated data); keys stored before the secret was
 * set are encrypted at the next start.
 */

const KEY_LOCK = 7245051;

export interface SigningKey {
	keyId: string;
	privateKey: KeyObject;
	publicKey: KeyObject;
}

export interface PublishedKey {
	keyId: string;
	publicKey: KeyObject;
	/** raw 32 bytes */
	raw: Buffer;
	multibase: string;
	createdAt: Date;
	retiredAt: Date | null;
}

export class SigningKeyError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'SigningKeyError';
	}
}

export function keySecretFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
	return env.CERTIFICATE_KEY_SECRET?.trim() || undefined;
}

export function keyIdFor(publicKey: KeyObject): string {
	return `ed25519-${sha256(rawPublicKey(publicKey)).toString('hex').slice(0, 16)}`;
}

export function encryptPrivateKey(der: Buffer, secret: string, keyId: string): string {
	return sealSecret(der, secret, keyId);
}

export function decryptPrivateKey(stored: string, secret: string, keyId: string): Buffer {
	try {
		return openSecret(stored, secret, keyId);
	} catch (e) {
		if (e instanceof SecretBoxError && e.message.startsWith('not in a format'))
			throw new SigningKeyError(
				`The stored signing key ${keyId} is not in a format this version understands.`
			);
		throw new SigningKeyError(
			`CERTIFICATE_KEY_SECRET does not unlock the certificate signing key ${keyId}. Set the secret it was stored with.`
		);
	}
}

/** Decrypted private keys, by key id, so the secret's scrypt cost is paid once per process. */
const unlocked = new Map<string, KeyObject>();

/** Drops decrypted keys from memory, as a fresh process would start (tests; after rotating keys by hand). */
export function forgetUnlockedKeys(): void {
	unlocked.clear();
}

type KeyRow = typeof signingKeys.$inferSelect;

function unlock(row: KeyRow, secret: string | undefined): SigningKey {
	let privateKey = unlocked.get(row.keyId);
	if (!privateKey) {
		if (row.encrypted && !secret)
			throw new SigningKeyError(
				`The certificate signing key ${row.keyId} is encrypted, but CERTIFICATE_KEY_SECRET is not set. Set it to the secret the key was stored with.`
			);
		const der = row.encrypted
			? decryptPrivateKey(row.privateKey, secret!, row.keyId)
			: Buffer.from(row.privateKey, 'base64');
		privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
		unlocked.set(row.keyId, privateKey);
	}
	return { keyId: row.keyId, privateKey, publicKey: createPublicKey(privateKey) };
}

async function newestActiveKey(tx: Db): Promise<KeyRow | undefined> {
	const [row] = await tx
		.select()
		.from(signingKeys)
		.where(isNull(signingKeys.retiredAt))
		.orderBy(desc(signingKeys.createdAt))
		.limit(1);
	return row;
}

async function createKey(tx: Db, secret: string | undefined, now: Date): Promise<KeyRow> {
	const { privateKey, publicKey } = generateKeyPairSync('ed25519');
	const keyId = keyIdFor(publicKey);
	const der = privateKey.export({ type: 'pkcs8', format: 'der' });
	const [row] = await tx
		.insert(signingKeys)
		.values({
			keyId,
			publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
			privateKey: secret ? encryptPrivateKey(der, secret, keyId) : der.toString('base64'),
			encrypted: Boolean(secret),
			createdAt: now
		})
		.returning();
	unlocked.set(keyId, privateKey);
	logger.info('certificate signing key created', { keyId, encrypted: Boolean(secret) });
	return row!;
}

/**
 * The key that signs new certificates, created if there is none. Call inside a transaction: the
 * advisory lock is then held until it ends, so two instances never create two current keys.
 */
export async function currentSigningKey(
	tx: Db,
	secret = keySecretFromEnv(),
	now = new Date()
): Promise<SigningKey> {
	const existing = await newestActiveKey(tx);
	if (existing) return unlock(existing, secret);
	await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOCK})`);
	return unlock((await newestActiveKey(tx)) ?? (await createKey(tx, secret, now)), secret);
}

/**
 * At start-up: makes sure a current key exists and can be unlocked (a wrong or missing secret
 * stops start-up with a clear message, rather than failing later when someone completes a
 * course), and encrypts keys stored in the clear once a secret is set.
 */
export async function ensureSigningKey(
	db: Db,
	secret = keySecretFromEnv(),
	now = new Date()
): Promise<{ keyId: string; created: boolean }> {
	// The usual start: a current key exists and unlocks, and none needs encrypting. No lock taken.
	const current = await newestActiveKey(db);
	if (
		current &&
		!(
			secret &&
			(
				await db
					.select({ keyId: signingKeys.keyId })
					.from(signingKeys)
					.where(eq(signingKeys.encrypted, false))
					.limit(1)
			).length
		)
	)
		return { keyId: unlock(current, secret).keyId, created: false };
	return db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOCK})`);
		let row = await newestActiveKey(tx);
		const created = !row;
		row ??= await createKey(tx, secret, now);
		const key = unlock(row, secret);
		if (secret) {
			const clear = await tx.select().from(signingKeys).where(eq(signingKeys.encrypted, false));
			for (const k of clear) {
				const der = Buffer.from(k.privateKey, 'base64');
				await tx
					.update(signingKeys)
					.set({ privateKey: encryptPrivateKey(der, secret, k.keyId), encrypted: true })
					.where(and(eq(signingKeys.keyId, k.keyId), eq(signingKeys.encrypted, false)));
				logger.info('certificate signing key encrypted at rest', { keyId: k.keyId });
			}
		}
		return { keyId: key.keyId, created };
	});
}

function published(
	row: Pick<KeyRow, 'keyId' | 'publicKey' | 'createdAt' | 'retiredAt'>
): PublishedKey {
	const publicKey = createPublicKey({
		key: Buffer.from(row.publicKey, 'base64'),
		format: 'der',
		type: 'spki'
	});
	const raw = rawPublicKey(publicKey);
	return {
		keyId: row.keyId,
		publicKey,
		raw,
		multibase: publicKeyMultibase(raw),
		createdAt: row.createdAt,
		retiredAt: row.retiredAt
	};
}

const publicColumns = {
	keyId: signingKeys.keyId,
	publicKey: signingKeys.publicKey,
	createdAt: signingKeys.createdAt,
	retiredAt: signingKeys.retiredAt
};

/** Every key that has ever signed, current and retired: what the public key document lists. */
export async function publishedKeys(db: Db): Promise<PublishedKey[]> {
	const rows = await db
		.select(publicColumns)
		.from(signingKeys)
		.orderBy(desc(signingKeys.createdAt));
	return rows.map(published);
}

export async function publishedKey(db: Db, keyId: string): Promise<PublishedKey | null> {
	if (keyId.length > 100) return null;
	const [row] = await db
		.select(publicColumns)
		.from(signingKeys)
		.where(eq(signingKeys.keyId, keyId));
	return row ? published(row) : null;
}
