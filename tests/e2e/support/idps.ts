import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import {
	createPrivateKey,
	createSign,
	createVerify,
	generateKeyPairSync,
	randomUUID
} from 'node:crypto';
import Provider, { type JWK } from 'oidc-provider';
import { SignedXml } from 'xml-crypto';
import { E2E_BASE_URL, extraPort } from './server.ts';

/**
 * Real identity providers for the single sign-on tests, on loopback ports derived from E2E_PORT:
 * an OpenID provider (the `oidc-provider` package, with its development login page) and a SAML
 * identity provider that signs assertions with xml-crypto using the test key pair in
 * tests/fixtures/saml. The SAML provider can be told to answer badly (tampered, expired, wrongly
 * addressed, signed by someone else) and can re-post its last response, for the refusal tests.
 */

export const OIDC_PORT = extraPort(90);
export const SAML_PORT = extraPort(91);
/** where the OpenID provider itself listens, behind the tampering proxy on OIDC_PORT */
const OIDC_UPSTREAM_PORT = extraPort(92);
export const OIDC_ISSUER = `http://127.0.0.1:${OIDC_PORT}`;
export const OIDC_CLIENT_ID = 'safer-learning-e2e';
export const OIDC_CLIENT_SECRET = 'e2e-client-secret-that-is-long-enough-to-be-real';
export const SAML_ENTITY_ID = `http://127.0.0.1:${SAML_PORT}/metadata`;
export const SAML_SSO_URL = `http://127.0.0.1:${SAML_PORT}/sso`;

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/saml');
export const SAML_CERT = fs.readFileSync(path.join(FIXTURES, 'idp-cert.pem'), 'utf8');
const SAML_KEY = fs.readFileSync(path.join(FIXTURES, 'idp-key.pem'), 'utf8');
const OTHER_CERT = fs.readFileSync(path.join(FIXTURES, 'other-cert.pem'), 'utf8');
const OTHER_KEY = fs.readFileSync(path.join(FIXTURES, 'other-key.pem'), 'utf8');
/** The platform's request signing pair in tests (global-setup gives the server these files). */
export const SP_KEY_FILE = path.join(FIXTURES, 'sp-key.pem');
export const SP_CERT_FILE = path.join(FIXTURES, 'sp-cert.pem');
const SP_CERT = fs.readFileSync(SP_CERT_FILE, 'utf8');

export interface OidcAccount {
	email: string;
	email_verified: boolean;
	name: string;
	roles?: string[];
	team?: string;
}

/** A fresh RS256 signing key with its own key id: restarting the provider with a new one is a key rotation. */
export function newSigningJwk(): Record<string, unknown> {
	const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
		format: 'jwk'
	});
	return { ...jwk, kid: `e2e-${randomUUID().slice(0, 8)}`, use: 'sig', alg: 'RS256' };
}

/** How the tampering proxy in front of the provider's token endpoint spoils the ID token. */
export type OidcMode =
	'good' | 'tampered' | 'expired' | 'wrong-audience' | 'wrong-issuer' | 'wrong-nonce';

export interface OidcIdp {
	/** what the proxy does to the next token responses */
	mode: OidcMode;
	keyId: string;
	stop: () => Promise<void>;
}

const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

/**
 * The ID token as the proxy passes it on: unchanged, changed after signing (the signature no
 * longer matches), or with one claim made wrong and signed again with the provider's own key, so
 * only the platform's claim check can catch it.
 */
export function spoilIdToken(
	idToken: string,
	mode: OidcMode,
	signingKey: Record<string, unknown>
): string {
	if (mode === 'good') return idToken;
	const [header, payload, signature] = idToken.split('.') as [string, string, string];
	const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
		string,
		unknown
	>;
	if (mode === 'tampered') {
		// Someone on the way changes who the token is about and keeps the provider's signature.
		claims.email = 'someone.else@nhs.sso.test';
		return `${header}.${b64url(JSON.stringify(claims))}.${signature}`;
	}
	const now = Math.floor(Date.now() / 1000);
	if (mode === 'expired') Object.assign(claims, { iat: now - 3600, exp: now - 1800 });
	if (mode === 'wrong-audience') claims.aud = 'another-relying-party';
	if (mode === 'wrong-issuer') claims.iss = `http://127.0.0.1:${OIDC_PORT}/another-tenant`;
	if (mode === 'wrong-nonce') claims.nonce = 'a-nonce-from-another-sign-in';
	const signingInput = `${header}.${b64url(JSON.stringify(claims))}`;
	const key = createPrivateKey({ key: signingKey, format: 'jwk' });
	return `${signingInput}.${b64url(createSign('RSA-SHA256').update(signingInput).sign(key))}`;
}

/**
 * The provider listens on a port of its own; the issuer's port is a small proxy in front of it
 * that passes everything through and, when told to, spoils the ID token in the token endpoint's
 * answer, so the platform really receives the bad token over HTTP.
 */
export async function startOidcProvider(
	accounts: Record<string, OidcAccount>,
	signingKey = newSigningJwk()
): Promise<OidcIdp> {
	const provider = new Provider(OIDC_ISSUER, {
		jwks: { keys: [signingKey as JWK] },
		clients: [
			{
				client_id: OIDC_CLIENT_ID,
				client_secret: OIDC_CLIENT_SECRET,
				redirect_uris: [`${E2E_BASE_URL}/sso/oidc/callback`],
				token_endpoint_auth_method: 'client_secret_post',
				grant_types: ['authorization_code'],
				response_types: ['code']
			}
		],
		claims: {
			openid: ['sub'],
			email: ['email', 'email_verified'],
			profile: ['name', 'roles', 'team']
		},
		// The claims go in the ID token, as Entra ID sends them.
		conformIdTokenClaims: false,
		cookies: { keys: ['e2e-oidc-cookie-key'] },
		findAccount: async (_ctx, id) => {
			const account = accounts[id];
			if (!account) return undefined;
			return { accountId: id, claims: async () => ({ sub: `subject-${id}`, ...account }) };
		},
		// First-party: no consent screen.
		loadExistingGrant: async (ctx) => {
			const clientId = ctx.oidc.client!.clientId;
			const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(clientId);
			if (grantId) return ctx.oidc.provider.Grant.find(grantId);
			const grant = new ctx.oidc.provider.Grant({
				clientId,
				accountId: ctx.oidc.session!.accountId!
			});
			grant.addOIDCScope('openid email profile');
			await grant.save();
			return grant;
		}
	});
	const upstream = provider.listen(OIDC_UPSTREAM_PORT, '127.0.0.1');
	await new Promise<void>((resolve) => upstream.once('listening', () => resolve()));
	const idp: OidcIdp = { mode: 'good', keyId: String(signingKey.kid), stop: async () => {} };
	const proxy = http.createServer((req, res) => {
		const forward = http.request(
			{
				host: '127.0.0.1',
				port: OIDC_UPSTREAM_PORT,
				method: req.method,
				path: req.url,
				headers: req.headers
			},
			(answer) => {
				const spoil = req.method === 'POST' && req.url === '/token' && idp.mode !== 'good';
				if (!spoil) {
					res.writeHead(answer.statusCode ?? 502, answer.headers);
					answer.pipe(res);
					return;
				}
				const chunks: Buffer[] = [];
				answer.on('data', (c: Buffer) => chunks.push(c));
				answer.on('end', () => {
					const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<
						string,
						unknown
					>;
					if (typeof body.id_token === 'string')
						body.id_token = spoilIdToken(body.id_token, idp.mode, signingKey);
					const text = JSON.stringify(body);
					res.writeHead(answer.statusCode ?? 502, {
						...answer.headers,
						'content-length': Buffer.byteLength(text)
					});
					res.end(text);
				});
			}
		);
		forward.on('error', () => res.writeHead(502).end());
		req.pipe(forward);
	});
	await new Promise<void>((resolve) => proxy.listen(OIDC_PORT, '127.0.0.1', () => resolve()));
	const close = (server: http.Server) =>
		new Promise<void>((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		});
	idp.stop = async () => {
		await close(proxy);
		await close(upstream);
	};
	return idp;
}

export type SamlMode =
	| 'good'
	| 'tampered'
	| 'wrapped'
	| 'expired'
	| 'wrong-recipient'
	| 'wrong-destination'
	| 'wrong-audience'
	| 'other-signer'
	| 'unsigned';

export interface SamlUser {
	nameId: string;
	email: string;
	name: string;
	team?: string;
}

export interface SamlIdp {
	mode: SamlMode;
	user: SamlUser;
	/** the last response posted, for replay tests */
	last: { samlResponse: string; relayState: string; acs: string } | null;
	/** whether the last AuthnRequest came signed (its signature is checked: a bad one is refused) */
	lastRequestSigned: boolean | null;
	spEntityId: string;
	stop: () => Promise<void>;
}

function iso(ms: number): string {
	return new Date(Date.now() + ms).toISOString();
}

function esc(s: string): string {
	return s
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;');
}

/** A signed SAML response as the test identity provider makes it (also used by the Vitest specs). */
export function samlResponseXml(
	idp: Pick<SamlIdp, 'mode' | 'user' | 'spEntityId'>,
	requestId: string,
	acs: string
): string {
	const m = idp.mode;
	const notBefore = m === 'expired' ? iso(-30 * 60_000) : iso(-60_000);
	const notOnOrAfter = m === 'expired' ? iso(-20 * 60_000) : iso(5 * 60_000);
	const elsewhere = `http://127.0.0.1:${SAML_PORT}/elsewhere/acs`;
	const recipient = m === 'wrong-recipient' ? elsewhere : acs;
	const destination = m === 'wrong-destination' ? elsewhere : acs;
	const audience = m === 'wrong-audience' ? 'https://another-service.example/sp' : idp.spEntityId;
	const u = idp.user;
	const attributes = [['email', u.email], ['name', u.name], ...(u.team ? [['team', u.team]] : [])]
		.map(
			([k, v]) =>
				`<saml:Attribute Name="${k}"><saml:AttributeValue>${esc(v!)}</saml:AttributeValue></saml:Attribute>`
		)
		.join('');
	const assertionId = `_a${randomUUID().replace(/-/g, '')}`;
	const xml =
		`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomUUID().replace(/-/g, '')}" Version="2.0" IssueInstant="${iso(0)}" Destination="${esc(destination)}" InResponseTo="${esc(requestId)}">` +
		`<saml:Issuer>${SAML_ENTITY_ID}</saml:Issuer>` +
		`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
		`<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${iso(0)}">` +
		`<saml:Issuer>${SAML_ENTITY_ID}</saml:Issuer>` +
		`<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${esc(u.nameId)}</saml:NameID>` +
		`<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${esc(requestId)}" NotOnOrAfter="${notOnOrAfter}" Recipient="${esc(recipient)}"/></saml:SubjectConfirmation></saml:Subject>` +
		`<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${esc(audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
		`<saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="_s${randomUUID().slice(0, 8)}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
		`<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` +
		`</saml:Assertion></samlp:Response>`;
	if (m === 'unsigned') return xml;
	const sig = new SignedXml({
		privateKey: m === 'other-signer' ? OTHER_KEY : SAML_KEY,
		publicCert: m === 'other-signer' ? OTHER_CERT : SAML_CERT,
		signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
		canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#'
	});
	sig.addReference({
		xpath: "//*[local-name(.)='Assertion']",
		transforms: [
			'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
			'http://www.w3.org/2001/10/xml-exc-c14n#'
		],
		digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256'
	});
	sig.computeSignature(xml, {
		location: {
			reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']",
			action: 'after'
		}
	});
	const signed = sig.getSignedXml();
	// After signing: someone changes who the assertion is about.
	if (m === 'tampered')
		return signed.replace(`>${esc(u.email)}<`, '>someone.else@probation.sso.test<');
	if (m === 'wrapped') {
		// Signature wrapping: the genuine signed assertion is tucked into Extensions, and an unsigned
		// copy about someone else stands where the service provider reads the assertion.
		const start = signed.indexOf('<saml:Assertion');
		const end = signed.indexOf('</saml:Assertion>') + '</saml:Assertion>'.length;
		const genuine = signed.slice(start, end);
		const evil = genuine
			.replace(/<Signature[\s\S]*?<\/Signature>/, '')
			.replace(`ID="${assertionId}"`, `ID="_evil${randomUUID().replace(/-/g, '')}"`)
			.replace(`>${esc(u.email)}<`, '>someone.else@probation.sso.test<');
		const issuerEnd = signed.indexOf('</saml:Issuer>') + '</saml:Issuer>'.length;
		return (
			signed.slice(0, issuerEnd) +
			`<samlp:Extensions>${genuine}</samlp:Extensions>` +
			signed.slice(issuerEnd, start) +
			evil +
			signed.slice(end)
		);
	}
	return signed;
}

function postPage(acs: string, samlResponse: string, relayState: string): string {
	return `<!doctype html><html lang="en"><head><title>Test SAML identity provider</title></head><body><main><h1>Test SAML identity provider</h1>
<form method="post" action="${esc(acs)}"><input type="hidden" name="SAMLResponse" value="${esc(samlResponse)}"><input type="hidden" name="RelayState" value="${esc(relayState)}"><button type="submit">Continue to the service</button></form></main></body></html>`;
}

export async function startSamlIdp(spEntityId: string, user: SamlUser): Promise<SamlIdp> {
	const idp: SamlIdp = {
		mode: 'good',
		user,
		last: null,
		lastRequestSigned: null,
		spEntityId,
		stop: async () => {}
	};
	const server = http.createServer((req, res) => {
		const url = new URL(req.url ?? '/', `http://127.0.0.1:${SAML_PORT}`);
		if (url.pathname === '/metadata') {
			res.writeHead(200, { 'content-type': 'application/xml' });
			res.end(idpMetadata());
			return;
		}
		if (url.pathname === '/replay' && idp.last) {
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end(postPage(idp.last.acs, idp.last.samlResponse, idp.last.relayState));
			return;
		}
		if (url.pathname === '/sso') {
			const signed = requestSignature(url.search.slice(1));
			if (signed === 'bad') {
				res.writeHead(400, { 'content-type': 'text/plain' }).end('The request signature is wrong.');
				return;
			}
			idp.lastRequestSigned = signed === 'good';
			const request = inflateRawSync(
				Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')
			).toString('utf8');
			const requestId = /\sID="([^"]+)"/.exec(request)?.[1] ?? '';
			const acs = /AssertionConsumerServiceURL="([^"]+)"/.exec(request)?.[1] ?? '';
			const relayState = url.searchParams.get('RelayState') ?? '';
			const samlResponse = Buffer.from(samlResponseXml(idp, requestId, acs)).toString('base64');
			idp.last = { samlResponse, relayState, acs };
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end(postPage(acs, samlResponse, relayState));
			return;
		}
		res.writeHead(404).end();
	});
	await new Promise<void>((resolve) => server.listen(SAML_PORT, '127.0.0.1', () => resolve()));
	idp.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
	return idp;
}

/**
 * Checks an HTTP-Redirect request's signature as an identity provider does (SAML bindings 3.4.4.1):
 * over the query's own encoded SAMLRequest, RelayState and SigAlg, in that order, with the
 * service provider's certificate.
 */
function requestSignature(rawQuery: string): 'none' | 'good' | 'bad' {
	const raw = new Map(
		rawQuery.split('&').map((pair) => pair.split('=', 2) as [string, string | undefined])
	);
	const signature = raw.get('Signature');
	if (!signature) return 'none';
	if (
		decodeURIComponent(raw.get('SigAlg') ?? '') !==
		'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
	)
		return 'bad';
	const signedPart = ['SAMLRequest', 'RelayState', 'SigAlg']
		.filter((k) => raw.has(k))
		.map((k) => `${k}=${raw.get(k)}`)
		.join('&');
	const valid = createVerify('RSA-SHA256')
		.update(signedPart)
		.verify(SP_CERT, Buffer.from(decodeURIComponent(signature), 'base64'));
	return valid ? 'good' : 'bad';
}

export function idpMetadata(): string {
	const cert = SAML_CERT.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
	return `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${SAML_ENTITY_ID}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${SAML_SSO_URL}"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
}
