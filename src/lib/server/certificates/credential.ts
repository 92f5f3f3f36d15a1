import type { KeyObject } from 'node:crypto';
import type { SigningKey } from './keys.ts';
import {
	base58btcDecode,
	base58btcEncode,
	canonicalJson,
	sha256,
	signBytes,
	verifyBytes,
	type Json
} from './signing.ts';

/** What a certificate says: the snapshot taken when it was issued. */
export interface CertificateFacts {
	id: string;
	code: string;
	courseId: string;
	learnerName: string;
	courseTitle: string;
	partnershipName: string;
	completedAt: Date;
	issuedAt: Date;
	expiresAt: Date | null;
}

// --- The certificate's own signature (stored with it, embedded in the PDF) -----------------

/**
 * The signed content of a certificate, independent of any URL so that it survives a change of
 * domain. The signature is Ed25519 over the UTF-8 of its canonical JSON (RFC 8785), base64url.
 */
export function certificatePayload(c: CertificateFacts): { [key: string]: Json } {
	return {
		type: 'SaferLearningCertificate',
		version: 1,
		code: c.code,
		learnerName: c.learnerName,
		courseTitle: c.courseTitle,
		partnershipName: c.partnershipName,
		completedAt: c.completedAt.toISOString(),
		issuedAt: c.issuedAt.toISOString(),
		expiresAt: c.expiresAt ? c.expiresAt.toISOString() : null
	};
}

export function signCertificate(c: CertificateFacts, key: Pick<SigningKey, 'privateKey'>): string {
	return signBytes(key.privateKey, Buffer.from(canonicalJson(certificatePayload(c)))).toString(
		'base64url'
	);
}

export function certificateSignatureHolds(
	payload: unknown,
	signature: string,
	publicKey: KeyObject
): boolean {
	if (!/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
	return verifyBytes(
		publicKey,
		Buffer.from(canonicalJson(payload)),
		Buffer.from(signature, 'base64url')
	);
}

// --- The signed JSON credential (W3C VC 2.0 / Open Badges 3.0) ----------------------------

export const keysPath = '/verify/keys.json';
export const keysUrl = (origin: string) => `${origin}${keysPath}`;
export const verifyUrl = (origin: string, code: string) => `${origin}/verify/${code}`;

const CONTEXTS = [
	'https://www.w3.org/ns/credentials/v2',
	'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
];

/**
 * The certificate as an Open Badges 3.0 AchievementCredential (a W3C Verifiable Credential 2.0).
 * The issuer's id is the public key document, which controls the signing keys, so standard
 * verifiers can check that the key belongs to the issuer. The learner is named by an
 * IdentityObject of type "name"; the status is the public verification page.
 */
export function buildCredential(c: CertificateFacts, origin: string): { [key: string]: Json } {
	const doc: { [key: string]: Json } = {
		'@context': CONTEXTS,
		id: `urn:uuid:${c.id}`,
		type: ['VerifiableCredential', 'AchievementCredential'],
		name: `${c.courseTitle}: certificate of completion`,
		issuer: { id: keysUrl(origin), type: ['Profile'], name: c.partnershipName, url: origin },
		validFrom: c.completedAt.toISOString(),
		credentialSubject: {
			type: ['AchievementSubject'],
			identifier: [
				{ type: 'IdentityObject', identityHash: c.learnerName, identityType: 'name', hashed: false }
			],
			activityEndDate: c.completedAt.toISOString(),
			achievement: {
				id: `urn:uuid:${c.courseId}`,
				type: ['Achievement'],
				name: c.courseTitle,
				description: `Completion of the course "${c.courseTitle}", issued by ${c.partnershipName}.`,
				criteria: {
					narrative:
						'Completed the course, including its final assessment, as recorded by the issuing partnership.'
				}
			}
		},
		credentialStatus: { id: verifyUrl(origin, c.code), type: 'CertificateVerificationPage' }
	};
	if (c.expiresAt) doc.validUntil = c.expiresAt.toISOString();
	return doc;
}

type JsonObject = { [key: string]: Json };
const isObject = (v: unknown): v is JsonObject =>
	typeof v === 'object' && v !== null && !Array.isArray(v);

/** eddsa-jcs-2022: Ed25519 over SHA-256(JCS(proof options)) ‖ SHA-256(JCS(document without proof)). */
function hashData(unsecured: JsonObject, proofOptions: JsonObject): Buffer {
	return Buffer.concat([sha256(canonicalJson(proofOptions)), sha256(canonicalJson(unsecured))]);
}

/**
 * Adds a W3C Data Integrity proof with the eddsa-jcs-2022 cryptosuite: the proof value is
 * multibase base58btc ("z…"), the verification method is the key's entry in the key document.
 */
export function addProof(
	doc: JsonObject,
	key: Pick<SigningKey, 'keyId' | 'privateKey'>,
	origin: string,
	now = new Date()
): JsonObject {
	const proofOptions: JsonObject = {
		type: 'DataIntegrityProof',
		cryptosuite: 'eddsa-jcs-2022',
		created: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
		verificationMethod: `${keysUrl(origin)}#${key.keyId}`,
		proofPurpose: 'assertionMethod'
	};
	if (doc['@context'] !== undefined) proofOptions['@context'] = doc['@context'];
	const proofValue = `z${base58btcEncode(signBytes(key.privateKey, hashData(doc, proofOptions)))}`;
	return { ...doc, proof: { ...proofOptions, proofValue } };
}

export type ProofCheck =
	| { ok: true; keyId: string; document: JsonObject }
	| {
			ok: false;
			problem: 'not-a-credential' | 'unsupported-proof' | 'unknown-key' | 'signature-fails';
	  };

/**
 * Checks a credential's eddsa-jcs-2022 proof. The key is found by the verification method's
 * fragment (the key id) among our published keys, current or retired.
 */
export async function checkProof(
	input: unknown,
	keyFor: (keyId: string) => Promise<KeyObject | null>
): Promise<ProofCheck> {
	if (!isObject(input) || !isObject(input.credentialSubject))
		return { ok: false, problem: 'not-a-credential' };
	const { proof, ...unsecured } = input;
	if (!isObject(proof)) return { ok: false, problem: 'unsupported-proof' };
	const { proofValue, ...proofOptions } = proof;
	if (
		proof.type !== 'DataIntegrityProof' ||
		proof.cryptosuite !== 'eddsa-jcs-2022' ||
		proof.proofPurpose !== 'assertionMethod'
	)
		return { ok: false, problem: 'unsupported-proof' };
	if (
		typeof proofValue !== 'string' ||
		!proofValue.startsWith('z') ||
		typeof proof.verificationMethod !== 'string'
	)
		return { ok: false, problem: 'unsupported-proof' };
	// The proof's context must be the document's, in order (VC Data Integrity, "verify proof").
	if (
		proofOptions['@context'] !== undefined &&
		canonicalJson(proofOptions['@context']) !== canonicalJson(unsecured['@context'])
	)
		return { ok: false, problem: 'signature-fails' };
	const keyId = proof.verificationMethod.split('#')[1] ?? '';
	const publicKey = keyId ? await keyFor(keyId) : null;
	if (!publicKey) return { ok: false, problem: 'unknown-key' };
	const signature = base58btcDecode(proofValue.slice(1));
	if (!signature || !verifyBytes(publicKey, hashData(unsecured, proofOptions), signature))
		return { ok: false, problem: 'signature-fails' };
	return { ok: true, keyId, document: input };
}
