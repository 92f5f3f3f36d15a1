import fs from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type * as Oidc from 'openid-client';
import type { CacheProvider, Profile, SAML } from '@node-saml/node-saml';
import { parseXml, type XmlElement } from '../scorm/xml.ts';

/**
 * The protocol libraries are loaded with the first sign-in through an identity provider, not at
 * start-up (node-saml and its XML stack cost about a quarter of a second and several MB), since
 * most instances and most sign-ins never use them.
 */
const oidcLibrary = () => import('openid-client');
const samlLibrary = () => import('@node-saml/node-saml');

/**
 * The two protocols, each through the library made for it: openid-client (code flow with PKCE,
 * state and nonce; ID token signature checked against the provider's JWKS, fetched fresh at each
 * sign-in so rotated keys are picked up) and @node-saml/node-saml (signed assertions, audience,
 * InResponseTo, validity window). What the libraries leave to the caller (Destination, Recipient,
 * DTDs, replayed assertion ids) is checked here or in service.ts.
 */

export const CLOCK_TOLERANCE_SECONDS = 60;
const PROVIDER_TIMEOUT_SECONDS = 10;

/** The reason a provider's answer was refused; its message goes to the log and the audit, not the user. */
export class ProviderAnswerError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ProviderAnswerError';
	}
}

/** http:// issuers only on loopback and only when the operator allows it (the test providers). */
export function insecureLoopbackAllowed(url: URL, env: NodeJS.ProcessEnv = process.env): boolean {
	return (
		url.protocol === 'http:' &&
		['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) &&
		env.SSO_ALLOW_HTTP_LOOPBACK === '1'
	);
}

export function checkProviderUrl(raw: string): URL | null {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return null;
	}
	if (url.protocol === 'https:' || insecureLoopbackAllowed(url)) return url;
	return null;
}

export interface OidcSettings {
	issuer: string;
	clientId: string;
	clientSecret: string;
	redirectUri: string;
}

export async function oidcConfiguration(s: OidcSettings): Promise<Oidc.Configuration> {
	const oidc = await oidcLibrary();
	const issuer = checkProviderUrl(s.issuer);
	if (!issuer) throw new ProviderAnswerError('the issuer URL must use https');
	const execute = [oidc.enableNonRepudiationChecks];
	if (insecureLoopbackAllowed(issuer)) execute.push(oidc.allowInsecureRequests);
	try {
		return await oidc.discovery(
			issuer,
			s.clientId,
			{
				redirect_uris: [s.redirectUri],
				response_types: ['code'],
				[oidc.clockTolerance]: CLOCK_TOLERANCE_SECONDS
			},
			oidc.ClientSecretPost(s.clientSecret),
			{ execute, timeout: PROVIDER_TIMEOUT_SECONDS }
		);
	} catch (e) {
		throw new ProviderAnswerError(`discovery at ${issuer.href} failed: ${describe(e)}`);
	}
}

export async function oidcAuthorizationUrl(
	config: Oidc.Configuration,
	s: OidcSettings,
	flow: { state: string; nonce: string; codeVerifier: string }
) {
	const oidc = await oidcLibrary();
	return oidc.buildAuthorizationUrl(config, {
		redirect_uri: s.redirectUri,
		scope: 'openid email profile',
		response_type: 'code',
		state: flow.state,
		nonce: flow.nonce,
		code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
		code_challenge_method: 'S256'
	});
}

export async function newOidcSecrets() {
	const oidc = await oidcLibrary();
	return { nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
}

/** Exchanges the code (PKCE, state, nonce, issuer, audience, signature, expiry checked) and returns the ID token claims. */
export async function oidcClaims(
	config: Oidc.Configuration,
	currentUrl: URL,
	flow: { state: string; nonce: string; codeVerifier: string }
) {
	const oidc = await oidcLibrary();
	try {
		const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
			pkceCodeVerifier: flow.codeVerifier,
			expectedState: flow.state,
			expectedNonce: flow.nonce,
			idTokenExpected: true
		});
		const claims = tokens.claims();
		if (!claims) throw new ProviderAnswerError('no ID token');
		return { ...claims } as Record<string, unknown>;
	} catch (e) {
		if (e instanceof ProviderAnswerError) throw e;
		throw new ProviderAnswerError(describe(e));
	}
}

export interface SamlSettings {
	entryPoint: string;
	idpEntityId: string | null;
	idpCert: string;
	spEntityId: string;
	acsUrl: string;
}

/** The key and certificate this platform signs its SAML AuthnRequests with. */
export interface SamlSigningKey {
	privateKey: string;
	certificate: string;
}

/** A PEM given in the variable itself (newlines may be written \n) or the path of a PEM file. */
function pemOrFile(value: string): string {
	if (value.startsWith('-----BEGIN')) return value.replace(/\\n/g, '\n');
	return fs.readFileSync(value, 'utf8');
}

let signingKeyRead: { source: string; key: SamlSigningKey } | undefined;

/**
 * The platform's SAML request signing key, from SAML_SP_PRIVATE_KEY and SAML_SP_CERTIFICATE (PEM
 * or file paths), or null when neither is set. A half-set or unusable pair is a refusal with the
 * reason, so the admin's test sign-in says what is wrong instead of sending unsigned requests.
 */
export function samlRequestSigningKey(env: NodeJS.ProcessEnv = process.env): SamlSigningKey | null {
	const keyValue = env.SAML_SP_PRIVATE_KEY?.trim();
	const certValue = env.SAML_SP_CERTIFICATE?.trim();
	if (!keyValue && !certValue) return null;
	if (!keyValue || !certValue)
		throw new ProviderAnswerError(
			'set both SAML_SP_PRIVATE_KEY and SAML_SP_CERTIFICATE (or neither) to sign SAML requests'
		);
	const source = `${keyValue}\0${certValue}`;
	if (signingKeyRead?.source === source) return signingKeyRead.key;
	try {
		const privateKey = pemOrFile(keyValue);
		const certificate = pemOrFile(certValue);
		if (!new X509Certificate(certificate).checkPrivateKey(createPrivateKey(privateKey)))
			throw new Error('the certificate is not the private key’s');
		signingKeyRead = { source, key: { privateKey, certificate } };
		return signingKeyRead.key;
	} catch (e) {
		throw new ProviderAnswerError(`the SAML request signing key cannot be used: ${describe(e)}`);
	}
}

/**
 * One request id per flow (kept in sso_flows): the library asks whether the response answers a
 * request we sent, and when we sent it (it refuses answers older than requestIdExpirationPeriodMs).
 */
function cacheFor(expected: { id: string; sentAt: Date } | null): CacheProvider {
	return {
		saveAsync: async (key, value) => ({ value, createdAt: Date.now() }),
		getAsync: async (key) =>
			expected && key === expected.id ? expected.sentAt.toISOString() : null,
		removeAsync: async (key) => key
	};
}

export async function samlClient(
	s: SamlSettings,
	flowId: string | null,
	sentAt = new Date(),
	signing: SamlSigningKey | null = null
): Promise<SAML> {
	const { SAML, ValidateInResponseTo } = await samlLibrary();
	return new SAML({
		// With a key, node-saml signs the HTTP-Redirect request (SigAlg and Signature parameters).
		...(signing
			? {
					privateKey: signing.privateKey,
					publicCert: signing.certificate,
					signatureAlgorithm: 'sha256' as const
				}
			: {}),
		entryPoint: s.entryPoint,
		issuer: s.spEntityId,
		callbackUrl: s.acsUrl,
		audience: s.spEntityId,
		idpCert: s.idpCert,
		...(s.idpEntityId ? { idpIssuer: s.idpEntityId } : {}),
		wantAssertionsSigned: true,
		wantAuthnResponseSigned: false,
		validateInResponseTo: ValidateInResponseTo.always,
		acceptedClockSkewMs: CLOCK_TOLERANCE_SECONDS * 1000,
		maxAssertionAgeMs: 10 * 60 * 1000,
		requestIdExpirationPeriodMs: 10 * 60 * 1000,
		cacheProvider: cacheFor(flowId ? { id: flowId, sentAt } : null),
		generateUniqueId: () => flowId ?? '_unused',
		identifierFormat: null,
		disableRequestedAuthnContext: true
	});
}

/** The sign-on URL with the AuthnRequest, signed when the platform has a request signing key. */
export async function samlAuthorizationUrl(s: SamlSettings, flowId: string): Promise<string> {
	const client = await samlClient(s, flowId, new Date(), samlRequestSigningKey());
	return client.getAuthorizeUrlAsync(flowId, undefined, {});
}

/** Our metadata; with a request signing key it says AuthnRequestsSigned and carries the certificate. */
export async function samlServiceProviderMetadata(
	s: Pick<SamlSettings, 'spEntityId' | 'acsUrl'>
): Promise<string> {
	const signing = samlRequestSigningKey();
	const client = await samlClient(
		{ ...s, entryPoint: 'https://unused.invalid/', idpEntityId: null, idpCert: 'unused' },
		null,
		new Date(),
		signing
	);
	return client.generateServiceProviderMetadata(null, signing?.certificate ?? null);
}

function find(el: XmlElement, local: string): XmlElement | undefined {
	if (el.local === local) return el;
	for (const c of el.children) {
		const f = find(c, local);
		if (f) return f;
	}
	return undefined;
}

function attr(el: XmlElement | undefined, local: string): string | undefined {
	return el?.attributes.find((a) => a.local === local && !a.ns)?.value;
}

/** Decodes a posted SAMLResponse, refusing DTDs and entity declarations before any parser sees it. */
export function decodeSamlResponse(b64: string): string {
	const xml = Buffer.from(b64, 'base64').toString('utf8');
	if (!xml.trimStart().startsWith('<')) throw new ProviderAnswerError('the response is not XML');
	if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new ProviderAnswerError('the response contains a DTD');
	return xml;
}

export interface SamlResult {
	subject: string;
	attributes: Record<string, unknown>;
	assertionId: string;
	expiresAt: Date;
}

/**
 * Validates a posted response for the given flow: the library checks signature (and wrapping),
 * issuer, audience, validity window and InResponseTo; then Destination and Recipient must be our
 * ACS, read from the XML the signature covers.
 */
export async function samlValidate(
	s: SamlSettings,
	flow: { id: string; createdAt: Date },
	samlResponse: string
): Promise<SamlResult> {
	const xml = decodeSamlResponse(samlResponse);
	let profile: Profile | null;
	try {
		({ profile } = await (
			await samlClient(s, flow.id, flow.createdAt)
		).validatePostResponseAsync({
			SAMLResponse: samlResponse
		}));
	} catch (e) {
		throw new ProviderAnswerError(describe(e));
	}
	if (!profile) throw new ProviderAnswerError('the response carried no assertion');
	const response = parseXml(profile.getSamlResponseXml?.() ?? xml);
	const destination = attr(response, 'Destination');
	if (destination !== undefined && destination !== s.acsUrl)
		throw new ProviderAnswerError(`the response was addressed to ${destination}, not ${s.acsUrl}`);
	const assertionXml = profile.getAssertionXml?.();
	if (!assertionXml) throw new ProviderAnswerError('the response carried no signed assertion');
	const assertion = parseXml(assertionXml);
	const assertionId = attr(assertion, 'ID');
	if (!assertionId) throw new ProviderAnswerError('the assertion has no ID');
	const confirmation = find(assertion, 'SubjectConfirmationData');
	const recipient = attr(confirmation, 'Recipient');
	if (recipient !== s.acsUrl)
		throw new ProviderAnswerError(
			`the assertion's recipient is ${recipient ?? 'missing'}, not ${s.acsUrl}`
		);
	const notOnOrAfter =
		attr(confirmation, 'NotOnOrAfter') ?? attr(find(assertion, 'Conditions'), 'NotOnOrAfter');
	const expiresAt = notOnOrAfter ? new Date(notOnOrAfter) : new Date(Date.now() + 60 * 60 * 1000);
	const attributes: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(profile)) if (typeof v !== 'function') attributes[k] = v;
	if (!profile.nameID) throw new ProviderAnswerError('the assertion has no NameID');
	return {
		subject: profile.nameID,
		attributes,
		assertionId,
		expiresAt: Number.isNaN(expiresAt.getTime()) ? new Date(Date.now() + 3600_000) : expiresAt
	};
}

export interface IdpMetadata {
	entityId: string;
	entryPoint: string;
	cert: string;
}

/** Reads an IdP's metadata: entity id, the HTTP-Redirect sign-on URL and the signing certificate. */
export function parseIdpMetadata(xml: string): IdpMetadata {
	if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new ProviderAnswerError('the metadata contains a DTD');
	let root: XmlElement;
	try {
		root = parseXml(xml);
	} catch (e) {
		throw new ProviderAnswerError(`the metadata is not readable XML (${describe(e)})`);
	}
	const entity = find(root, 'EntityDescriptor');
	const idp = entity && find(entity, 'IDPSSODescriptor');
	if (!entity || !idp) throw new ProviderAnswerError('the metadata has no IDPSSODescriptor');
	const sso = idp.children.filter((c) => c.local === 'SingleSignOnService');
	const redirect = sso.find(
		(c) => attr(c, 'Binding') === 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'
	);
	const keys = idp.children.filter(
		(c) => c.local === 'KeyDescriptor' && (attr(c, 'use') ?? 'signing') === 'signing'
	);
	const cert = keys.map((k) => find(k, 'X509Certificate')?.text.replace(/\s+/g, '')).find(Boolean);
	const entityId = attr(entity, 'entityID');
	const entryPoint = attr(redirect, 'Location');
	if (!entityId || !entryPoint || !cert)
		throw new ProviderAnswerError(
			'the metadata lacks an entity id, an HTTP-Redirect sign-on URL or a signing certificate'
		);
	return { entityId, entryPoint, cert: toPem(cert) };
}

/** PEM or bare base64 in; PEM out. */
export function toPem(cert: string): string {
	const body = cert.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
	return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

export function describe(e: unknown): string {
	if (e instanceof Error) {
		const { cause, code, error, error_description } = e as Error & {
			cause?: unknown;
			code?: unknown;
			error?: unknown;
			error_description?: unknown;
		};
		return [
			e.message,
			typeof code === 'string' ? `(${code})` : '',
			cause instanceof Error ? `: ${cause.message}` : '',
			// An OAuth error answer (openid-client's ResponseBodyError): what the provider said.
			typeof error === 'string' ? `: the provider answered ${error}` : '',
			typeof error_description === 'string' ? `(${error_description})` : ''
		]
			.filter(Boolean)
			.join(' ');
	}
	return String(e);
}
