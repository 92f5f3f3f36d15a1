import { z } from 'zod';
import type { Db } from '../db/types.ts';
import { audiences, type Audience, type SsoClaimMappings, type SsoProtocol } from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { createSession } from '../auth/sessions.ts';
import { assertCanManageOrganisation } from '../auth/permissions.ts';
import { hashToken, randomToken } from '../auth/tokens.ts';
import { safeNext } from '../auth/cookies.ts';
import { recordAudit } from '../audit/service.ts';
import { keySecretFromEnv } from '../certificates/keys.ts';
import { openSecret, sealSecret } from '../crypto/secret-box.ts';
import { refreshObligations } from '../tracking/queries.ts';
import { logger } from '../logger.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { MAX_LONG_TEXT, MAX_TEXT, parseInput } from '../validation.ts';
import * as q from './queries.ts';
import {
	ProviderAnswerError,
	checkProviderUrl,
	describe,
	newOidcSecrets,
	oidcAuthorizationUrl,
	oidcClaims,
	oidcConfiguration,
	parseIdpMetadata,
	samlAuthorizationUrl,
	samlRequestSigningKey,
	samlServiceProviderMetadata,
	samlValidate,
	toPem,
	type OidcSettings,
	type SamlSettings
} from './protocols.ts';

/** A sign-in begun must be finished within this time. */
export const FLOW_MS = 10 * 60 * 1000;
export const FLOW_COOKIE = 'sso_flow';

// ---------------------------------------------------------------------------------------------
// Addresses: what the admin registers at the provider.

export function oidcRedirectUri(origin: string): string {
	return `${origin}/sso/oidc/callback`;
}
export function samlAcsUrl(origin: string): string {
	return `${origin}/sso/saml/acs`;
}
export function samlSpEntityId(origin: string, organisationKey: string): string {
	return `${origin}/sso/saml/${organisationKey}/metadata`;
}

export async function serviceProviderMetadata(
	db: Db,
	origin: string,
	organisationKey: string
): Promise<string> {
	const org = await q.organisationByKey(db, organisationKey);
	if (!org) throw new NotFoundError('We could not find that organisation.');
	return samlServiceProviderMetadata({
		spEntityId: samlSpEntityId(origin, org.key),
		acsUrl: samlAcsUrl(origin)
	});
}

// ---------------------------------------------------------------------------------------------
// Sign-in page: which provider an email goes to, which buttons to show, who has no password.

function domainOf(email: string): string {
	return email.trim().toLowerCase().split('@').pop() ?? '';
}

/** The organisation whose provider signs in this email address, when its domain is one of theirs. */
export async function providerForEmail(db: Db, email: string) {
	const domain = domainOf(email);
	if (!domain || !email.includes('@') || domain.length > 253) return null;
	const row = await q.enabledConfigForDomain(db, domain);
	return row
		? { key: row.key, name: row.name, required: row.required, helpContact: row.helpContact }
		: null;
}

export async function signInButtons(db: Db) {
	return q.buttonOrganisations(db);
}

export function startPath(organisationKey: string, next: string | null): string {
	const safe = next ? safeNext(next) : null;
	return `/sso/${encodeURIComponent(organisationKey)}/start${safe && safe !== '/' ? `?next=${encodeURIComponent(safe)}` : ''}`;
}

/** An organisation whose people sign in only through its provider, and where they start. */
export interface RequiredSignIn {
	organisationName: string;
	helpContact: string;
	/** the path that begins a sign-in at the organisation's provider */
	startPath: string;
}

/** Where this person (or everyone in this organisation) must sign in, when single sign-on is required; else null. */
export async function requiredSignIn(
	db: Db,
	by: { email: string } | { userId: string } | { organisationId: string }
): Promise<RequiredSignIn | null> {
	const [row] = await q.requiredConfigs(db, by);
	return row
		? {
				organisationName: row.organisationName,
				helpContact: row.helpContact,
				startPath: startPath(row.organisationKey, null)
			}
		: null;
}

/** The organisations that require single sign-on, by id: for work on many people at once (imports). */
export async function requiredSignInByOrganisation(db: Db): Promise<Map<string, RequiredSignIn>> {
	return new Map(
		(await q.requiredConfigs(db)).map((row) => [
			row.organisationId,
			{
				organisationName: row.organisationName,
				helpContact: row.helpContact,
				startPath: startPath(row.organisationKey, null)
			}
		])
	);
}

/** Why this person may not use a password (their organisation requires single sign-on), or null. */
export async function passwordRefusal(
	db: Db,
	by: { email: string } | { userId: string }
): Promise<string | null> {
	const row = await requiredSignIn(db, by);
	if (!row) return null;
	return `${row.organisationName} signs its people in with their ${row.organisationName} account, so there is no password here: sign in with your ${row.organisationName} account instead.${row.helpContact ? ` If you cannot sign in, ask ${row.helpContact}.` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Configuration (admins, and managers of that organisation).

const domainList = z
	.string()
	.default('')
	.transform((v) =>
		v
			.split(/[\s,;]+/)
			.map((d) => d.trim().toLowerCase().replace(/^@/, ''))
			.filter(Boolean)
	)
	.pipe(
		z
			.array(
				z
					.string()
					.regex(
						/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/,
						'Enter domains like police.uk, separated by commas'
					)
			)
			.max(20, 'Enter 20 domains or fewer')
	);

const checkbox = z
	.string()
	.max(10)
	.optional()
	.transform((v) => v === 'on' || v === 'yes' || v === 'true');

const optionalText = (max = MAX_TEXT) =>
	z
		.string()
		.trim()
		.max(max, `Enter ${max} characters or fewer`)
		.optional()
		.transform((v) => (v ? v : undefined));

const settingsSchema = z.object({
	protocol: z.enum(['oidc', 'saml'], { error: 'Choose OpenID Connect or SAML' }),
	enabled: checkbox,
	required: checkbox,
	showButton: checkbox,
	allowCreate: checkbox,
	emailDomains: domainList,
	oidcIssuer: optionalText(),
	oidcClientId: optionalText(),
	oidcClientSecret: z
		.string()
		.max(1000, 'Enter a client secret of 1000 characters or fewer')
		.optional(),
	samlMetadataUrl: optionalText(),
	samlMetadataXml: optionalText(200_000),
	samlEntryPoint: optionalText(),
	samlIdpEntityId: optionalText(),
	samlIdpCert: optionalText(20_000),
	emailClaim: optionalText(),
	nameClaim: optionalText(),
	audienceClaim: optionalText(),
	audienceValues: optionalText(MAX_LONG_TEXT),
	teamClaim: optionalText(),
	defaultAudience: z.enum(audiences, {
		error: 'Choose the audience for people the provider does not place'
	}),
	defaultTeamId: optionalText(),
	helpContact: z.string().trim().max(MAX_TEXT, `Enter ${MAX_TEXT} characters or fewer`).default('')
});

function parseAudienceValues(text: string | undefined): Record<string, Audience> {
	const out: Record<string, Audience> = {};
	for (const line of (text ?? '').split(/\r?\n/)) {
		if (!line.trim()) continue;
		const [value, audience] = line.split('=').map((s) => s.trim());
		if (!value || !audience || !(audiences as readonly string[]).includes(audience))
			throw new ValidationError({
				audienceValues: 'Write one mapping a line, like: Officers = frontline (or community)'
			});
		out[value] = audience as Audience;
	}
	return out;
}

function audienceValuesText(values: Record<string, Audience> | undefined): string {
	return Object.entries(values ?? {})
		.map(([k, v]) => `${k} = ${v}`)
		.join('\n');
}

export async function getSsoSettings(
	db: Db,
	actor: AuthUser,
	organisationId: string,
	origin: string
) {
	if (!z.uuid().safeParse(organisationId).success)
		throw new NotFoundError('We could not find that organisation.');
	const org = await q.organisationById(db, organisationId);
	if (!org) throw new NotFoundError('We could not find that organisation.');
	assertCanManageOrganisation(actor, organisationId);
	const cfg = await q.configForOrganisation(db, organisationId);
	return {
		organisation: org,
		teams: await q.teamsOf(db, organisationId),
		secretsAvailable: Boolean(keySecretFromEnv()),
		register: {
			oidcRedirectUri: oidcRedirectUri(origin),
			samlAcsUrl: samlAcsUrl(origin),
			samlEntityId: samlSpEntityId(origin, org.key),
			samlMetadataUrl: samlSpEntityId(origin, org.key),
			samlRequestSigning: requestSigning()
		},
		settings: {
			protocol: cfg?.protocol ?? 'oidc',
			enabled: cfg?.enabled ?? false,
			required: cfg?.required ?? false,
			showButton: cfg?.showButton ?? false,
			allowCreate: cfg?.allowCreate ?? false,
			emailDomains: (cfg?.emailDomains ?? []).join(', '),
			oidcIssuer: cfg?.oidcIssuer ?? '',
			oidcClientId: cfg?.oidcClientId ?? '',
			hasClientSecret: Boolean(cfg?.oidcClientSecret),
			samlEntryPoint: cfg?.samlEntryPoint ?? '',
			samlIdpEntityId: cfg?.samlIdpEntityId ?? '',
			samlIdpCert: cfg?.samlIdpCert ?? '',
			emailClaim: cfg?.mappings.emailClaim ?? '',
			nameClaim: cfg?.mappings.nameClaim ?? '',
			audienceClaim: cfg?.mappings.audienceClaim ?? '',
			audienceValues: audienceValuesText(cfg?.mappings.audienceValues),
			teamClaim: cfg?.mappings.teamClaim ?? '',
			defaultAudience: cfg?.defaultAudience ?? 'frontline',
			defaultTeamId: cfg?.defaultTeamId ?? '',
			helpContact: cfg?.helpContact ?? ''
		}
	};
}

/** Whether this platform signs its SAML requests, for the settings page: signed, unsigned, or why it cannot. */
function requestSigning(): { signed: boolean; problem: string | null } {
	try {
		return { signed: Boolean(samlRequestSigningKey()), problem: null };
	} catch (e) {
		return { signed: false, problem: describe(e) };
	}
}

async function fetchMetadata(url: URL): Promise<string> {
	try {
		const res = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
		if (!res.ok) throw new Error(`it answered ${res.status}`);
		const text = await res.text();
		if (text.length > 1_000_000) throw new Error('it is too large');
		return text;
	} catch (e) {
		throw new ValidationError({
			samlMetadataUrl: `We could not read the metadata at that address: ${describe(e)}`
		});
	}
}

export async function saveSsoSettings(
	db: Db,
	actor: AuthUser,
	organisationId: string,
	raw: unknown,
	now = new Date()
) {
	const current = await getSsoSettings(db, actor, organisationId, 'http://unused.invalid');
	const input = parseInput(settingsSchema, raw);
	const existing = await q.configForOrganisation(db, organisationId);
	const errors: Record<string, string> = {};
	const mappings: SsoClaimMappings = {
		...(input.emailClaim ? { emailClaim: input.emailClaim } : {}),
		...(input.nameClaim ? { nameClaim: input.nameClaim } : {}),
		...(input.audienceClaim
			? {
					audienceClaim: input.audienceClaim,
					audienceValues: parseAudienceValues(input.audienceValues)
				}
			: {}),
		...(input.teamClaim ? { teamClaim: input.teamClaim } : {})
	};
	if (input.defaultTeamId && !current.teams.some((t) => t.id === input.defaultTeamId))
		errors.defaultTeamId = 'Choose a team of this organisation';
	let clientSecret = existing?.oidcClientSecret ?? null;
	let saml = {
		entryPoint: input.samlEntryPoint ?? null,
		entityId: input.samlIdpEntityId ?? null,
		cert: input.samlIdpCert ? toPem(input.samlIdpCert) : null
	};
	if (input.protocol === 'oidc') {
		if (!input.oidcIssuer || !checkProviderUrl(input.oidcIssuer))
			errors.oidcIssuer = 'Enter the issuer URL, starting https://';
		if (!input.oidcClientId) errors.oidcClientId = 'Enter the client (application) id';
		if (input.oidcClientSecret?.trim()) {
			const secret = keySecretFromEnv();
			if (!secret)
				errors.oidcClientSecret =
					'The server cannot store secrets yet: ask whoever runs it to set CERTIFICATE_KEY_SECRET';
			else
				clientSecret = sealSecret(
					Buffer.from(input.oidcClientSecret.trim()),
					secret,
					`sso:${organisationId}`
				);
		} else if (!clientSecret) errors.oidcClientSecret = 'Enter the client secret';
	} else {
		try {
			const xml =
				input.samlMetadataXml ??
				(input.samlMetadataUrl
					? await fetchMetadata(checkProviderUrl(input.samlMetadataUrl) ?? failUrl())
					: null);
			if (xml) {
				const meta = parseIdpMetadata(xml);
				saml = { entryPoint: meta.entryPoint, entityId: meta.entityId, cert: meta.cert };
			}
		} catch (e) {
			if (e instanceof ValidationError) Object.assign(errors, e.fieldErrors);
			else
				errors[input.samlMetadataXml ? 'samlMetadataXml' : 'samlMetadataUrl'] =
					`We could not read that metadata: ${describe(e)}`;
		}
		if (!errors.samlMetadataXml && !errors.samlMetadataUrl) {
			if (!saml.entryPoint || !checkProviderUrl(saml.entryPoint))
				errors.samlEntryPoint = 'Enter the sign-on URL, starting https://, or give the metadata';
			if (!saml.entityId)
				errors.samlIdpEntityId = 'Enter the identity provider entity id, or give the metadata';
			if (!saml.cert || saml.cert.length < 200)
				errors.samlIdpCert = 'Paste the signing certificate, or give the metadata';
		}
	}
	if (input.enabled && input.emailDomains.length === 0)
		errors.emailDomains = 'Enter at least one email domain before switching single sign-on on';
	if (input.required && !input.enabled)
		errors.required = 'Switch single sign-on on before requiring it';
	if (Object.keys(errors).length) throw new ValidationError(errors);
	await db.transaction(async (tx) => {
		await q.upsertConfig(tx, {
			organisationId,
			protocol: input.protocol,
			enabled: input.enabled,
			required: input.required,
			showButton: input.showButton,
			allowCreate: input.allowCreate,
			emailDomains: input.emailDomains,
			oidcIssuer: input.protocol === 'oidc' ? input.oidcIssuer! : (existing?.oidcIssuer ?? null),
			oidcClientId:
				input.protocol === 'oidc' ? input.oidcClientId! : (existing?.oidcClientId ?? null),
			oidcClientSecret: clientSecret,
			samlEntryPoint:
				input.protocol === 'saml' ? saml.entryPoint : (existing?.samlEntryPoint ?? null),
			samlIdpEntityId:
				input.protocol === 'saml' ? saml.entityId : (existing?.samlIdpEntityId ?? null),
			samlIdpCert: input.protocol === 'saml' ? saml.cert : (existing?.samlIdpCert ?? null),
			mappings,
			defaultAudience: input.defaultAudience,
			defaultTeamId: input.defaultTeamId ?? null,
			helpContact: input.helpContact,
			updatedAt: now
		});
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'sso.settings-changed',
				targetType: 'organisation',
				targetId: organisationId,
				organisationId,
				details: {
					protocol: input.protocol,
					enabled: input.enabled,
					required: input.required,
					allowCreate: input.allowCreate,
					emailDomains: input.emailDomains,
					secretChanged: Boolean(input.oidcClientSecret?.trim())
				}
			},
			now
		);
	});
}

function failUrl(): never {
	throw new ValidationError({ samlMetadataUrl: 'Enter the metadata address, starting https://' });
}

// ---------------------------------------------------------------------------------------------
// The flow: start, then the provider's answer.

/** Decrypted client secrets, by stored value, so scrypt runs once per process and secret. */
const openedSecrets = new Map<string, string>();

function clientSecretOf(cfg: q.SsoConfigRow): string {
	if (!cfg.oidcClientSecret) throw new ProviderAnswerError('no client secret is stored');
	const cached = openedSecrets.get(cfg.oidcClientSecret);
	if (cached) return cached;
	const secret = keySecretFromEnv();
	if (!secret)
		throw new ProviderAnswerError(
			'CERTIFICATE_KEY_SECRET is not set, so the client secret cannot be read'
		);
	try {
		const opened = openSecret(cfg.oidcClientSecret, secret, `sso:${cfg.organisationId}`).toString(
			'utf8'
		);
		openedSecrets.set(cfg.oidcClientSecret, opened);
		return opened;
	} catch (e) {
		throw new ProviderAnswerError(`the stored client secret cannot be opened: ${describe(e)}`);
	}
}

function oidcSettings(cfg: q.SsoConfigRow, origin: string): OidcSettings {
	if (!cfg.oidcIssuer || !cfg.oidcClientId)
		throw new ProviderAnswerError('the OpenID Connect settings are incomplete');
	return {
		issuer: cfg.oidcIssuer,
		clientId: cfg.oidcClientId,
		clientSecret: clientSecretOf(cfg),
		redirectUri: oidcRedirectUri(origin)
	};
}

function samlSettings(cfg: q.SsoConfigRow, origin: string, orgKey: string): SamlSettings {
	if (!cfg.samlEntryPoint || !cfg.samlIdpCert)
		throw new ProviderAnswerError('the SAML settings are incomplete');
	return {
		entryPoint: cfg.samlEntryPoint,
		idpEntityId: cfg.samlIdpEntityId,
		idpCert: cfg.samlIdpCert,
		spEntityId: samlSpEntityId(origin, orgKey),
		acsUrl: samlAcsUrl(origin)
	};
}

/** What the person is told; `code` picks the message on the refusal page. */
export type RefusalCode =
	| 'expired'
	| 'failed'
	| 'deactivated'
	| 'unknown-person'
	| 'other-organisation'
	| 'email'
	| 'not-available';

export class SsoRefusal extends Error {
	constructor(
		readonly code: RefusalCode,
		readonly reason: string,
		readonly organisationKey: string | null = null,
		/** set when an admin's test sign-in could not start, so they go back to the settings page */
		readonly testOrganisationId: string | null = null
	) {
		super(reason);
		this.name = 'SsoRefusal';
	}
}

export interface StartResult {
	url: string;
	browserToken: string;
}

/**
 * Begins a sign-in at the organisation's provider. With `tester` (an admin or a manager of the
 * organisation), the provider may still be switched off: the answer is reported, not acted on.
 */
export async function beginSignIn(
	db: Db,
	organisationKey: string,
	opts: { origin: string; next: string | null; tester?: AuthUser | null },
	now = new Date()
): Promise<StartResult> {
	const org =
		organisationKey.length <= 100 ? await q.organisationByKey(db, organisationKey) : undefined;
	if (!org) throw new NotFoundError('We could not find that organisation.');
	if (opts.tester) assertCanManageOrganisation(opts.tester, org.id);
	const cfg = await q.configForOrganisation(db, org.id);
	if (!cfg || (!cfg.enabled && !opts.tester))
		throw new SsoRefusal('not-available', 'single sign-on is not switched on', org.key);
	const id = `_${randomToken(20)}`;
	const browserToken = randomToken(20);
	try {
		let url: string;
		let secrets: { nonce: string | null; codeVerifier: string | null } = {
			nonce: null,
			codeVerifier: null
		};
		if (cfg.protocol === 'oidc') {
			const s = oidcSettings(cfg, opts.origin);
			const config = await oidcConfiguration(s);
			const fresh = await newOidcSecrets();
			secrets = fresh;
			url = (await oidcAuthorizationUrl(config, s, { state: id, ...fresh })).href;
		} else {
			url = await samlAuthorizationUrl(samlSettings(cfg, opts.origin, org.key), id);
		}
		await q.insertFlow(db, {
			id,
			organisationId: org.id,
			protocol: cfg.protocol,
			browserHash: hashToken(browserToken),
			nonce: secrets.nonce,
			codeVerifier: secrets.codeVerifier,
			next: opts.next ? safeNext(opts.next) : null,
			testerId: opts.tester?.id ?? null,
			expiresAt: new Date(now.getTime() + FLOW_MS),
			createdAt: now
		});
		return { url, browserToken };
	} catch (e) {
		const reason = describe(e);
		logger.warn('single sign-on could not start', { organisationId: org.id, reason });
		await recordAudit(
			db,
			{
				actorId: opts.tester?.id ?? null,
				action: 'sso.refused',
				targetType: 'organisation',
				targetId: org.id,
				organisationId: org.id,
				reason: `could not start: ${reason}`
			},
			now
		);
		throw new SsoRefusal('failed', reason, org.key, opts.tester ? org.id : null);
	}
}

interface Received {
	subject: string;
	email: string | null;
	emailVerified: boolean | null;
	name: string | null;
	claims: Record<string, unknown>;
}

type Plan =
	| { do: 'sign-in'; userId: string }
	| { do: 'link'; userId: string }
	| {
			do: 'create';
			person: {
				email: string;
				name: string;
				audience: Audience;
				teamId: string | null;
				teamName: string | null;
			};
			notes: string[];
	  }
	| { do: 'refuse'; code: RefusalCode; reason: string };

function claimValues(claims: Record<string, unknown>, name: string | undefined): string[] {
	if (!name) return [];
	const v = claims[name];
	if (typeof v === 'string') return [v];
	if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
	return [];
}

async function plan(
	db: Db,
	org: { id: string },
	cfg: q.SsoConfigRow,
	got: Received
): Promise<Plan> {
	const known = await q.identity(db, org.id, got.subject);
	if (known) {
		if (known.status !== 'active')
			return { do: 'refuse', code: 'deactivated', reason: 'the linked account is deactivated' };
		return { do: 'sign-in', userId: known.userId };
	}
	if (!got.email)
		return { do: 'refuse', code: 'email', reason: 'the provider sent no email address' };
	if (got.emailVerified === false)
		return {
			do: 'refuse',
			code: 'email',
			reason: 'the provider says the email address is not verified'
		};
	if (!cfg.emailDomains.includes(domainOf(got.email)))
		return {
			do: 'refuse',
			code: 'email',
			reason: `the email domain ${domainOf(got.email)} is not one of this organisation's`
		};
	const person = await q.personByEmail(db, got.email);
	if (person) {
		if (person.status !== 'active')
			return {
				do: 'refuse',
				code: 'deactivated',
				reason: 'the account with this email is deactivated'
			};
		if (person.organisationId !== org.id)
			return {
				do: 'refuse',
				code: 'other-organisation',
				reason: 'the account with this email belongs to another organisation'
			};
		return { do: 'link', userId: person.id };
	}
	if (!cfg.allowCreate)
		return {
			do: 'refuse',
			code: 'unknown-person',
			reason: 'no account has this email and creating accounts is switched off'
		};
	const notes: string[] = [];
	let audience = cfg.defaultAudience;
	const mapped = claimValues(got.claims, cfg.mappings.audienceClaim)
		.map((v) => cfg.mappings.audienceValues?.[v])
		.find(Boolean);
	if (mapped) audience = mapped;
	else if (cfg.mappings.audienceClaim)
		notes.push(
			`no value of ${cfg.mappings.audienceClaim} is mapped, so the default audience is used`
		);
	let teamId = cfg.defaultTeamId;
	let teamName: string | null = null;
	for (const name of claimValues(got.claims, cfg.mappings.teamClaim)) {
		const team = await q.teamByName(db, org.id, name);
		if (team) {
			teamId = team.id;
			teamName = team.name;
			break;
		}
		notes.push(`no team is called "${name}", so the default team is used`);
	}
	if (!teamName && teamId)
		teamName = (await q.teamsOf(db, org.id)).find((t) => t.id === teamId)?.name ?? null;
	const name = got.name?.trim().slice(0, MAX_TEXT) || got.email.split('@')[0]!;
	return { do: 'create', person: { email: got.email, name, audience, teamId, teamName }, notes };
}

function describePlan(p: Plan, orgName: string): string {
	switch (p.do) {
		case 'sign-in':
			return 'Sign in the person already linked to this provider account.';
		case 'link':
			return `Link this provider account to the existing ${orgName} account with this email, and sign them in.`;
		case 'create':
			return `Create ${p.person.name} (${p.person.email}) in ${orgName} as a ${p.person.audience === 'frontline' ? 'front-line officer' : 'community contact'}${p.person.teamName ? ` in the team ${p.person.teamName}` : ' with no team'}, and sign them in.`;
		case 'refuse':
			return `Refuse: ${p.reason}.`;
	}
}

export type FinishResult =
	| {
			kind: 'signed-in';
			userId: string;
			session: { token: string; expiresAt: Date };
			next: string | null;
	  }
	| { kind: 'tested'; organisationId: string; flowId: string };

function received(
	protocol: SsoProtocol,
	cfg: q.SsoConfigRow,
	subject: string,
	claims: Record<string, unknown>
): Received {
	const pick = (names: string[]) =>
		names.map((n) => claims[n]).find((v): v is string => typeof v === 'string' && v.length > 0) ??
		null;
	const emailNames = cfg.mappings.emailClaim
		? [cfg.mappings.emailClaim]
		: protocol === 'oidc'
			? ['email']
			: ['email', 'mail', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'];
	let email = pick(emailNames);
	if (!email && protocol === 'saml' && String(claims.nameIDFormat ?? '').endsWith(':emailAddress'))
		email = subject;
	const nameNames = cfg.mappings.nameClaim
		? [cfg.mappings.nameClaim]
		: [
				'name',
				'displayName',
				'http://schemas.microsoft.com/identity/claims/displayname',
				'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name'
			];
	const verified = claims.email_verified;
	return {
		subject,
		email: email ? email.trim().toLowerCase() : null,
		emailVerified:
			typeof verified === 'boolean'
				? verified
				: verified === 'true'
					? true
					: verified === 'false'
						? false
						: null,
		name: pick(nameNames),
		claims
	};
}

async function refuse(
	db: Db,
	org: { id: string; key: string },
	code: RefusalCode,
	reason: string,
	details: Record<string, unknown>,
	now: Date
): Promise<never> {
	logger.warn('single sign-on refused', { organisationId: org.id, code, reason });
	await recordAudit(
		db,
		{
			actorId: null,
			action: 'sso.refused',
			targetType: 'organisation',
			targetId: org.id,
			organisationId: org.id,
			reason,
			details: { code, ...details }
		},
		now
	);
	throw new SsoRefusal(code, reason, org.key);
}

/** Finds the flow the answer belongs to and checks it was begun in this browser. */
async function flowFor(
	db: Db,
	id: string | null,
	browserToken: string | undefined,
	protocol: SsoProtocol,
	now: Date
) {
	const flow = id && id.length <= 100 ? await q.openFlow(db, id, now) : undefined;
	if (!flow || flow.protocol !== protocol) {
		const stale = id && id.length <= 100 ? await q.anyFlow(db, id) : undefined;
		const org = stale ? await q.organisationById(db, stale.organisationId) : undefined;
		if (org)
			await refuse(
				db,
				org,
				'expired',
				stale!.usedAt
					? 'the answer was for a sign-in already finished (a replay)'
					: 'the sign-in took too long or is unknown',
				{ flow: stale!.id },
				now
			);
		throw new SsoRefusal('expired', 'unknown or expired sign-in');
	}
	const org = (await q.organisationById(db, flow.organisationId))!;
	if (!browserToken || hashToken(browserToken) !== flow.browserHash)
		await refuse(
			db,
			org,
			'expired',
			'the answer arrived in a different browser from the one that began the sign-in',
			{ flow: flow.id },
			now
		);
	const cfg = await q.configForOrganisation(db, org.id);
	if (!cfg || cfg.protocol !== protocol)
		await refuse(
			db,
			org,
			'failed',
			'the provider settings changed during the sign-in',
			{ flow: flow.id },
			now
		);
	if (!(await q.spendFlow(db, flow.id, now)))
		await refuse(
			db,
			org,
			'expired',
			'the answer was for a sign-in already finished (a replay)',
			{ flow: flow.id },
			now
		);
	return { flow, org, cfg: cfg! };
}

async function conclude(
	db: Db,
	flow: q.SsoFlowRow,
	org: { id: string; key: string; name: string },
	cfg: q.SsoConfigRow,
	got: Received,
	now: Date
): Promise<FinishResult> {
	const p = await plan(db, org, cfg, got);
	if (flow.testerId) {
		await q.saveReport(db, flow.id, {
			ok: true,
			received: {
				subject: got.subject,
				email: got.email,
				emailVerified: got.emailVerified,
				name: got.name,
				claims: got.claims
			},
			decision: describePlan(p, org.name),
			notes: p.do === 'create' ? p.notes : []
		});
		await recordAudit(
			db,
			{
				actorId: flow.testerId,
				action: 'sso.tested',
				targetType: 'organisation',
				targetId: org.id,
				organisationId: org.id,
				details: { outcome: p.do }
			},
			now
		);
		return { kind: 'tested', organisationId: org.id, flowId: flow.id };
	}
	if (!cfg.enabled)
		await refuse(
			db,
			org,
			'not-available',
			'single sign-on was switched off during the sign-in',
			{},
			now
		);
	if (p.do === 'refuse') return refuse(db, org, p.code, p.reason, { subject: got.subject }, now);
	try {
		const userId = await db.transaction(async (tx) => {
			let id: string;
			if (p.do === 'create') {
				id = await q.insertPerson(tx, { ...p.person, organisationId: org.id }, now);
				await q.linkIdentity(tx, org.id, got.subject, id, now);
				await refreshObligations(tx, { userId: id }, now);
				await recordAudit(
					tx,
					{
						actorId: id,
						action: 'sso.person-created',
						targetType: 'person',
						targetId: id,
						organisationId: org.id,
						details: {
							protocol: cfg.protocol,
							audience: p.person.audience,
							teamId: p.person.teamId,
							notes: p.notes
						}
					},
					now
				);
			} else if (p.do === 'link') {
				id = p.userId;
				await q.linkIdentity(tx, org.id, got.subject, id, now);
				await recordAudit(
					tx,
					{
						actorId: id,
						action: 'sso.linked',
						targetType: 'person',
						targetId: id,
						organisationId: org.id,
						details: { protocol: cfg.protocol }
					},
					now
				);
			} else {
				id = p.userId;
			}
			await recordAudit(
				tx,
				{
					actorId: id,
					action: 'sso.signed-in',
					targetType: 'person',
					targetId: id,
					organisationId: org.id,
					details: { protocol: cfg.protocol }
				},
				now
			);
			return id;
		});
		return {
			kind: 'signed-in',
			userId,
			session: await createSession(db, userId, now),
			next: flow.next
		};
	} catch (e) {
		return refuse(db, org, 'failed', `could not save the sign-in: ${describe(e)}`, {}, now);
	}
}

async function reportFailure(
	db: Db,
	flow: q.SsoFlowRow,
	org: { id: string; key: string },
	e: unknown,
	now: Date
): Promise<FinishResult> {
	const reason = describe(e);
	if (flow.testerId) {
		await q.saveReport(db, flow.id, { ok: false, error: reason, decision: `Refuse: ${reason}.` });
		await recordAudit(
			db,
			{
				actorId: flow.testerId,
				action: 'sso.tested',
				targetType: 'organisation',
				targetId: org.id,
				organisationId: org.id,
				reason,
				details: { outcome: 'refuse' }
			},
			now
		);
		return { kind: 'tested', organisationId: org.id, flowId: flow.id };
	}
	return refuse(db, org, 'failed', reason, {}, now);
}

/** The OpenID provider's redirect back: `currentUrl` is the callback URL with its query. */
export async function finishOidc(
	db: Db,
	opts: { origin: string; currentUrl: URL; browserToken: string | undefined },
	now = new Date()
): Promise<FinishResult> {
	const { flow, org, cfg } = await flowFor(
		db,
		opts.currentUrl.searchParams.get('state'),
		opts.browserToken,
		'oidc',
		now
	);
	let got: Received;
	try {
		const s = oidcSettings(cfg, opts.origin);
		const config = await oidcConfiguration(s);
		const callback = new URL(oidcRedirectUri(opts.origin));
		callback.search = opts.currentUrl.search;
		const claims = await oidcClaims(config, callback, {
			state: flow.id,
			nonce: flow.nonce ?? '',
			codeVerifier: flow.codeVerifier ?? ''
		});
		const sub = typeof claims.sub === 'string' ? claims.sub : '';
		if (!sub) throw new ProviderAnswerError('the ID token has no subject');
		got = received('oidc', cfg, sub, claims);
	} catch (e) {
		return reportFailure(db, flow, org, e, now);
	}
	return conclude(db, flow, org, cfg, got, now);
}

/** The SAML identity provider's POST to the assertion consumer service. */
export async function finishSaml(
	db: Db,
	opts: {
		origin: string;
		samlResponse: string | null;
		relayState: string | null;
		browserToken: string | undefined;
	},
	now = new Date()
): Promise<FinishResult> {
	if (!opts.samlResponse || opts.samlResponse.length > 2_000_000)
		throw new SsoRefusal('failed', 'no SAMLResponse was posted');
	const { flow, org, cfg } = await flowFor(db, opts.relayState, opts.browserToken, 'saml', now);
	let got: Received;
	try {
		const result = await samlValidate(
			samlSettings(cfg, opts.origin, org.key),
			flow,
			opts.samlResponse
		);
		if (!(await q.rememberAssertion(db, result.assertionId, org.id, result.expiresAt, now)))
			throw new ProviderAnswerError(
				`the assertion ${result.assertionId} was already used (a replay)`
			);
		got = received('saml', cfg, result.subject, result.attributes);
	} catch (e) {
		return reportFailure(db, flow, org, e, now);
	}
	return conclude(db, flow, org, cfg, got, now);
}

/** An admin's test sign-in report, for the organisation's sign-in settings page. */
export async function testReport(db: Db, actor: AuthUser, organisationId: string, flowId: string) {
	const flow = flowId.length <= 100 ? await q.anyFlow(db, flowId) : undefined;
	if (!flow || flow.organisationId !== organisationId || flow.testerId !== actor.id || !flow.report)
		return null;
	const r = flow.report as {
		ok: boolean;
		error?: string;
		decision: string;
		notes?: string[];
		received?: {
			subject: string;
			email: string | null;
			emailVerified: boolean | null;
			name: string | null;
			claims: Record<string, unknown>;
		};
	};
	return {
		ok: r.ok,
		error: r.error ?? null,
		decision: r.decision,
		notes: r.notes ?? [],
		received: r.received
			? {
					subject: r.received.subject,
					email: r.received.email,
					emailVerified: r.received.emailVerified,
					name: r.received.name,
					claims: Object.entries(r.received.claims).map(([k, v]) => ({
						name: k,
						value: typeof v === 'string' ? v : JSON.stringify(v)
					}))
				}
			: null
	};
}

/** Why this admin's latest test sign-in could not start (what beginSignIn recorded). */
export async function lastStartFailure(
	db: Db,
	actor: AuthUser,
	organisationId: string
): Promise<string | null> {
	assertCanManageOrganisation(actor, organisationId);
	return q.lastStartFailure(db, actor.id, organisationId);
}

/** For the refusal page: the organisation's name and who its people should ask. */
export async function refusalContext(db: Db, organisationKey: string | null) {
	if (!organisationKey || organisationKey.length > 100) return null;
	const org = await q.organisationByKey(db, organisationKey);
	if (!org) return null;
	const cfg = await q.configForOrganisation(db, org.id);
	return { name: org.name, helpContact: cfg?.helpContact ?? '' };
}
