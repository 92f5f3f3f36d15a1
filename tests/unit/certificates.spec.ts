import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	CODE_ALPHABET,
	CODE_BITS,
	generateCode,
	normaliseCode
} from '../../src/lib/server/certificates/code.ts';
import {
	base58btcDecode,
	base58btcEncode,
	canonicalJson,
	publicKeyFromRaw,
	publicKeyMultibase,
	rawFromMultibase,
	rawPublicKey
} from '../../src/lib/server/certificates/signing.ts';
import {
	addProof,
	buildCredential,
	certificatePayload,
	certificateSignatureHolds,
	checkProof,
	signCertificate,
	type CertificateFacts
} from '../../src/lib/server/certificates/credential.ts';
import {
	SigningKeyError,
	decryptPrivateKey,
	encryptPrivateKey,
	keyIdFor
} from '../../src/lib/server/certificates/keys.ts';
import { stateAt } from '../../src/lib/server/certificates/service.ts';

const newKey = () => {
	const { privateKey, publicKey } = generateKeyPairSync('ed25519');
	return { keyId: keyIdFor(publicKey), privateKey, publicKey };
};

const facts: CertificateFacts = {
	id: '7d0b6a2e-2f64-4a43-9a4b-1f1f6c3b8c11',
	code: 'ABCD-EFGH-JKMN-PQRS',
	courseId: '1c1bd9a4-0c1e-4a54-8f0c-2d8f0f5c0b7e',
	learnerName: 'Zoë Ní Bhriain',
	courseTitle: 'Early intervention in anti-social behaviour',
	partnershipName: 'Safer Kirklees',
	completedAt: new Date('2025-03-30T23:30:00Z'),
	issuedAt: new Date('2025-03-30T23:30:01Z'),
	expiresAt: new Date('2027-03-30T23:30:00Z')
};
const ORIGIN = 'https://learning.example.org';

describe('certificate codes', () => {
	it('are 16 symbols of Crockford base32 in four groups, 80 bits from the random source', () => {
		expect(CODE_BITS).toBeGreaterThanOrEqual(60);
		expect(CODE_ALPHABET).toHaveLength(32);
		expect(CODE_ALPHABET).not.toMatch(/[ILOU]/);
		const codes = new Set<string>();
		for (let i = 0; i < 20_000; i++) {
			const code = generateCode();
			expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
			codes.add(code);
		}
		expect(codes.size).toBe(20_000);
	});

	it('use every bit of the random bytes', () => {
		expect(generateCode(() => new Uint8Array(10))).toBe('0000-0000-0000-0000');
		expect(generateCode(() => new Uint8Array(10).fill(255))).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ');
		expect(
			generateCode(() =>
				Uint8Array.from([0x08, 0x42, 0x10, 0x84, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21])
			)
		).toBe('1111-1111-1111-1111');
	});

	it('are accepted however they are typed', () => {
		for (const typed of [
			'abcd-efgh-jkmn-pqrs',
			'ABCDEFGHJKMNPQRS',
			' abcd efgh jkmn pqrs ',
			'ABCD–EFGH–JKMN–PQRS',
			'abcd.efgh.jkmn.pqrs'
		])
			expect(normaliseCode(typed)).toBe('ABCD-EFGH-JKMN-PQRS');
		// Crockford: O is 0; I and L are 1.
		expect(normaliseCode('oooo-iiii-llll-0000')).toBe('0000-1111-1111-0000');
		for (const wrong of [
			'',
			'ABCD-EFGH-JKMN',
			'ABCD-EFGH-JKMN-PQRU',
			'ABCD-EFGH-JKMN-PQRS-TVWX',
			'ABCD/EFGH/JKMN/PQRS',
			'x'.repeat(100),
			42,
			null
		])
			expect(normaliseCode(wrong)).toBeNull();
	});
});

describe('canonical JSON and encodings', () => {
	it('sorts keys at every depth, with no whitespace, as RFC 8785 does', () => {
		expect(canonicalJson({ b: 1, a: [{ z: true, y: null }, 'é\n"'], c: { e: 1.5, d: -0 } })).toBe(
			'{"a":[{"y":null,"z":true},"é\\n\\""],"b":1,"c":{"d":0,"e":1.5}}'
		);
		expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
		expect(() => canonicalJson({ a: Number.NaN })).toThrow();
	});

	it('round-trips base58btc and multikey public keys', () => {
		for (const bytes of [
			new Uint8Array(0),
			Uint8Array.from([0, 0, 1, 2, 255]),
			crypto.getRandomValues(new Uint8Array(64))
		])
			expect(base58btcDecode(base58btcEncode(bytes))).toEqual(bytes);
		expect(base58btcDecode('0OIl')).toBeNull();
		const { publicKey } = newKey();
		const multibase = publicKeyMultibase(rawPublicKey(publicKey));
		expect(multibase).toMatch(/^z6Mk/);
		expect(Buffer.from(rawFromMultibase(multibase)!)).toEqual(rawPublicKey(publicKey));
	});
});

describe("a certificate's own signature", () => {
	it('verifies, and fails after any change to what it says', () => {
		const key = newKey();
		const signature = signCertificate(facts, key);
		const payload = certificatePayload(facts);
		expect(certificateSignatureHolds(payload, signature, key.publicKey)).toBe(true);
		expect(
			certificateSignatureHolds(
				{ ...payload, learnerName: 'Someone Else' },
				signature,
				key.publicKey
			)
		).toBe(false);
		expect(
			certificateSignatureHolds(
				{ ...payload, expiresAt: '2099-01-01T00:00:00.000Z' },
				signature,
				key.publicKey
			)
		).toBe(false);
		expect(certificateSignatureHolds(payload, signature, newKey().publicKey)).toBe(false);
		expect(certificateSignatureHolds(payload, 'not a signature', key.publicKey)).toBe(false);
	});
});

describe('the signed JSON credential (eddsa-jcs-2022)', () => {
	const key = newKey();
	const keyFor = async (id: string) => (id === key.keyId ? key.publicKey : null);
	const signed = addProof(
		buildCredential(facts, ORIGIN),
		key,
		ORIGIN,
		new Date('2025-04-01T12:00:00.123Z')
	);

	it('is an Open Badges 3.0 AchievementCredential with a Data Integrity proof', () => {
		expect(signed).toMatchObject({
			'@context': [
				'https://www.w3.org/ns/credentials/v2',
				'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
			],
			id: `urn:uuid:${facts.id}`,
			type: ['VerifiableCredential', 'AchievementCredential'],
			issuer: { id: `${ORIGIN}/verify/keys.json`, type: ['Profile'], name: 'Safer Kirklees' },
			validFrom: '2025-03-30T23:30:00.000Z',
			validUntil: '2027-03-30T23:30:00.000Z',
			credentialSubject: {
				type: ['AchievementSubject'],
				identifier: [
					{
						type: 'IdentityObject',
						identityHash: 'Zoë Ní Bhriain',
						identityType: 'name',
						hashed: false
					}
				],
				achievement: { type: ['Achievement'], name: facts.courseTitle }
			},
			credentialStatus: { id: `${ORIGIN}/verify/ABCD-EFGH-JKMN-PQRS` },
			proof: {
				type: 'DataIntegrityProof',
				cryptosuite: 'eddsa-jcs-2022',
				created: '2025-04-01T12:00:00Z',
				verificationMethod: `${ORIGIN}/verify/keys.json#${key.keyId}`,
				proofPurpose: 'assertionMethod'
			}
		});
		expect((signed.proof as { proofValue: string }).proofValue).toMatch(
			/^z[1-9A-HJ-NP-Za-km-z]{80,90}$/
		);
		const noExpiry = buildCredential({ ...facts, expiresAt: null }, ORIGIN);
		expect(noExpiry).not.toHaveProperty('validUntil');
	});

	it('verifies as issued, and survives a round trip through a file', async () => {
		expect(await checkProof(signed, keyFor)).toMatchObject({ ok: true, keyId: key.keyId });
		expect(await checkProof(JSON.parse(JSON.stringify(signed, null, 2)), keyFor)).toMatchObject({
			ok: true
		});
	});

	it('fails when anything is changed: the name, a date, the status, the proof', async () => {
		const tamper = (change: (doc: typeof signed) => void) => {
			const copy = structuredClone(signed);
			change(copy);
			return checkProof(copy, keyFor);
		};
		const subject = (d: typeof signed) =>
			d.credentialSubject as {
				identifier: { identityHash: string }[];
				achievement: { name: string };
			};
		const fails = { ok: false, problem: 'signature-fails' };
		expect(await tamper((d) => (subject(d).identifier[0]!.identityHash = 'Mallory'))).toEqual(
			fails
		);
		expect(await tamper((d) => (subject(d).achievement.name = 'Advanced firearms'))).toEqual(fails);
		expect(await tamper((d) => (d.validUntil = '2099-01-01T00:00:00.000Z'))).toEqual(fails);
		expect(await tamper((d) => delete d.validUntil)).toEqual(fails);
		expect(
			await tamper((d) => ((d.proof as { created: string }).created = '2030-01-01T00:00:00Z'))
		).toEqual(fails);
		expect(
			await tamper(
				(d) => ((d.proof as { '@context': string[] })['@context'] = ['https://example.org/'])
			)
		).toEqual(fails);
		expect(
			await tamper((d) => ((d.proof as { proofValue: string }).proofValue = `z${'1'.repeat(87)}`))
		).toEqual(fails);
		expect(
			await tamper(
				(d) =>
					((d.proof as { verificationMethod: string }).verificationMethod =
						`${ORIGIN}/verify/keys.json#someone-else`)
			)
		).toEqual({
			ok: false,
			problem: 'unknown-key'
		});
		expect(await tamper((d) => delete d.proof)).toEqual({
			ok: false,
			problem: 'unsupported-proof'
		});
		expect(
			await tamper((d) => ((d.proof as { cryptosuite: string }).cryptosuite = 'ecdsa-jcs-2019'))
		).toEqual({ ok: false, problem: 'unsupported-proof' });
		expect(await checkProof('just text', keyFor)).toEqual({
			ok: false,
			problem: 'not-a-credential'
		});
		// Signed by a key that is not ours: the signature cannot hold with our key of the same id.
		const forged = addProof(
			buildCredential(facts, ORIGIN),
			{ keyId: key.keyId, privateKey: newKey().privateKey },
			ORIGIN
		);
		expect(await checkProof(forged, keyFor)).toEqual(fails);
	});

	it('matches the W3C eddsa-jcs-2022 test vector', async () => {
		// From the W3C "Data Integrity EdDSA Cryptosuites" specification's test vectors
		// (w3c/vc-di-eddsa, TestVectors/eddsa-jcs-2022/signedJCS.json and keyPair.json).
		const publicKeyMultibase = 'z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2';
		const vector = {
			'@context': [
				'https://www.w3.org/ns/credentials/v2',
				'https://www.w3.org/ns/credentials/examples/v2'
			],
			id: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33',
			type: ['VerifiableCredential', 'AlumniCredential'],
			name: 'Alumni Credential',
			description: 'A minimum viable example of an Alumni Credential.',
			issuer: 'https://vc.example/issuers/5678',
			validFrom: '2023-01-01T00:00:00Z',
			credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'The School of Examples' },
			proof: {
				type: 'DataIntegrityProof',
				cryptosuite: 'eddsa-jcs-2022',
				created: '2023-02-24T23:36:38Z',
				verificationMethod: `https://vc.example/issuers/5678#${publicKeyMultibase}`,
				proofPurpose: 'assertionMethod',
				'@context': [
					'https://www.w3.org/ns/credentials/v2',
					'https://www.w3.org/ns/credentials/examples/v2'
				],
				proofValue:
					'z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4'
			}
		};
		const theirKey = publicKeyFromRaw(rawFromMultibase(publicKeyMultibase)!);
		const keyFor = async (id: string) => (id === publicKeyMultibase ? theirKey : null);
		expect(await checkProof(vector, keyFor)).toMatchObject({ ok: true });
		expect(await checkProof({ ...vector, name: 'Altered Credential' }, keyFor)).toMatchObject({
			ok: false
		});
	});
});

describe('private keys at rest', () => {
	it('are encrypted with AES-256-GCM under the secret, bound to their key id', () => {
		const der = Buffer.from('not really a key, but bytes all the same');
		const stored = encryptPrivateKey(der, 'a long secret', 'ed25519-aaaa');
		expect(stored).toMatch(/^v1\./);
		expect(stored).not.toContain(der.toString('base64'));
		expect(decryptPrivateKey(stored, 'a long secret', 'ed25519-aaaa')).toEqual(der);
		expect(() => decryptPrivateKey(stored, 'the wrong secret', 'ed25519-aaaa')).toThrow(
			SigningKeyError
		);
		expect(() => decryptPrivateKey(stored, 'a long secret', 'ed25519-bbbb')).toThrow(
			/does not unlock/
		);
	});
});

describe('state at a given time', () => {
	const base = {
		revokedAt: null,
		voidedAt: null,
		expiresAt: new Date('2027-01-01T00:00:00Z'),
		newerIssuedAt: null
	};
	it('is revoked, then expired, then superseded, else valid', () => {
		const before = new Date('2026-12-31T23:59:59Z');
		const after = new Date('2027-01-01T00:00:00Z');
		expect(stateAt(base, before).state).toBe('valid');
		expect(stateAt(base, after).state).toBe('expired');
		expect(stateAt({ ...base, expiresAt: null }, new Date('2099-01-01')).state).toBe('valid');
		expect(stateAt({ ...base, newerIssuedAt: before }, before).state).toBe('superseded');
		expect(stateAt({ ...base, newerIssuedAt: before }, after).state).toBe('expired');
		expect(stateAt({ ...base, revokedAt: before }, after)).toEqual({
			state: 'revoked',
			withdrawnAt: before
		});
		expect(stateAt({ ...base, voidedAt: before }, before)).toEqual({
			state: 'revoked',
			withdrawnAt: before
		});
	});
});
