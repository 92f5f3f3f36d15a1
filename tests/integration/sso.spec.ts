import fs from 'node:fs';
import path from 'node:path';
import { createVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { render } from 'svelte/server';
import { isHttpError, isRedirect, type Cookies, type Redirect } from '@sveltejs/kit';
import { testDatabase, makePerson, orgId, teamId, TEST_PASSWORD } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import {
	auditLog,
	organisationSso,
	outbox,
	ssoIdentities,
	users
} from '../../src/lib/server/db/schema.ts';
import {
	beginSignIn,
	finishSaml,
	getSsoSettings,
	lastStartFailure,
	saveSsoSettings,
	testReport,
	SsoRefusal,
	samlAcsUrl,
	samlSpEntityId,
	serviceProviderMetadata,
	type FinishResult
} from '../../src/lib/server/sso/service.ts';
import { answer } from '../../src/lib/server/sso/http.ts';
import { mayReach } from '../../src/lib/server/auth/permissions.ts';
import type { Db } from '../../src/lib/server/db/types.ts';
import { load as refusedLoad } from '../../src/routes/(auth)/sso/refused/+page.server.ts';
import RefusedPage from '../../src/routes/(auth)/sso/refused/+page.svelte';
import {
	actions as signInSettingsActions,
	load as signInSettingsLoad
} from '../../src/routes/(manage)/manage/organisations/[id]/sign-in/+page.server.ts';
import {
	passwordLinkHolder,
	requestPasswordReset,
	setPasswordFromLink,
	signIn
} from '../../src/lib/server/auth/service.ts';
import { issueToken } from '../../src/lib/server/auth/one-time.ts';
import { invitePerson, setPersonStatus } from '../../src/lib/server/people/service.ts';
import { commitImport } from '../../src/lib/server/people/import.ts';
import { ValidationError } from '../../src/lib/server/errors.ts';
import { idpMetadata, samlResponseXml, type SamlMode, type SamlUser } from '../e2e/support/idps.ts';

/**
 * The routes reach the database through the app's handle; here it is this file's real test
 * database (nothing about the database is faked, the app is just not started).
 */
const app = vi.hoisted(() => ({ db: undefined as Db | undefined }));
vi.mock('../../src/lib/server/app.ts', async (importOriginal) => ({
	...(await importOriginal<typeof import('../../src/lib/server/app.ts')>()),
	db: () => app.db!
}));

/**
 * The single sign-on rules on a real database, with responses signed as the test identity
 * provider signs them: who is signed in, linked, created or refused, and what is recorded.
 */
const ORIGIN = 'https://learning.example';
let t: TestDatabase;
let admin: AuthUser;
let probation: string;

beforeAll(async () => {
	process.env.CERTIFICATE_KEY_SECRET = 'integration key secret';
	process.env.SSO_ALLOW_HTTP_LOOPBACK = '1'; // the test identity provider's sign-on URL is http loopback
	t = await testDatabase();
	app.db = t.db;
	admin = await makePerson(t.db, { email: 'sso.admin@e2e.example', isAdmin: true });
	probation = await orgId(t.db, 'probation-service');
});
afterAll(async () => t?.close());

const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);

async function configure(extra: Record<string, string> = {}) {
	await saveSsoSettings(t.db, admin, probation, {
		protocol: 'saml',
		emailDomains: 'probation.sso.test',
		samlMetadataXml: idpMetadata(),
		defaultAudience: 'frontline',
		helpContact: 'the probation IT desk',
		enabled: 'on',
		teamClaim: 'team',
		...extra
	});
}

/** Begins a sign-in and answers it as the identity provider would. */
async function signInThroughIdp(
	user: SamlUser,
	opts: {
		mode?: SamlMode;
		tester?: AuthUser;
		browser?: 'same' | 'other';
		/** how far the identity provider's clock runs ahead of ours when it makes the response */
		idpClockAheadMs?: number;
	} = {}
) {
	const started = await beginSignIn(t.db, 'probation-service', {
		origin: ORIGIN,
		next: null,
		tester: opts.tester ?? null
	});
	const relayState = new URL(started.url).searchParams.get('RelayState')!;
	if (opts.idpClockAheadMs)
		vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + opts.idpClockAheadMs });
	let xml: string;
	try {
		xml = samlResponseXml(
			{ mode: opts.mode ?? 'good', user, spEntityId: samlSpEntityId(ORIGIN, 'probation-service') },
			relayState,
			samlAcsUrl(ORIGIN)
		);
	} finally {
		vi.useRealTimers();
	}
	return finishSaml(t.db, {
		origin: ORIGIN,
		samlResponse: Buffer.from(xml).toString('base64'),
		relayState,
		browserToken: opts.browser === 'other' ? 'another-browser' : started.browserToken
	});
}

const refusalOf = async (work: Promise<unknown>) => {
	const e = await errorOf(work);
	expect(e).toBeInstanceOf(SsoRefusal);
	return (e as SsoRefusal).code;
};

describe('single sign-on with SAML', () => {
	it('refuses to start while switched off, except for an admin testing; a test reports and changes nothing', async () => {
		await configure({ enabled: '' });
		expect(
			await refusalOf(beginSignIn(t.db, 'probation-service', { origin: ORIGIN, next: null }))
		).toBe('not-available');
		const result = await signInThroughIdp(
			{ nameId: 'tester-1', email: 'new.person@probation.sso.test', name: 'New Person' },
			{ tester: admin }
		);
		expect(result.kind).toBe('tested');
		const report = await testReport(
			t.db,
			admin,
			probation,
			result.kind === 'tested' ? result.flowId : ''
		);
		expect(report?.ok).toBe(true);
		expect(report?.decision).toMatch(
			/^Refuse: no account has this email and creating accounts is switched off/
		);
		expect(report?.received?.email).toBe('new.person@probation.sso.test');
		expect(
			await t.db.select().from(users).where(eq(users.email, 'new.person@probation.sso.test'))
		).toHaveLength(0);
	});

	it('creates an unknown person in the organisation and the team the claims name, once, and signs them in again by subject', async () => {
		await configure({ allowCreate: 'on' });
		const user = {
			nameId: 'new-1',
			email: 'nel.new@probation.sso.test',
			name: 'Nel New',
			team: 'Kirklees probation delivery unit'
		};
		const first = await signInThroughIdp(user);
		expect(first.kind).toBe('signed-in');
		const [person] = await t.db
			.select()
			.from(users)
			.where(eq(users.email, 'nel.new@probation.sso.test'));
		expect(person).toMatchObject({
			organisationId: probation,
			teamId: await teamId(t.db, 'probation-service', 'Kirklees probation delivery unit'),
			audience: 'frontline',
			passwordHash: null
		});
		// The email changes at the provider: the same subject is still the same person.
		const again = await signInThroughIdp({ ...user, email: 'nel.renamed@probation.sso.test' });
		expect(again.kind === 'signed-in' && again.userId).toBe(person!.id);
		const actions = (
			await t.db
				.select({ action: auditLog.action })
				.from(auditLog)
				.where(eq(auditLog.targetId, person!.id))
		).map((r) => r.action);
		expect(actions.filter((a) => a === 'sso.person-created')).toHaveLength(1);
		expect(actions.filter((a) => a === 'sso.signed-in')).toHaveLength(2);
	});

	it('links an invited person by email; keeps deactivated people and other organisations’ people out', async () => {
		const invited = await makePerson(t.db, {
			email: 'ivy.invited@probation.sso.test',
			organisationKey: 'probation-service',
			password: false
		});
		const linked = await signInThroughIdp({ nameId: 'ivy-1', email: invited.email, name: 'Ivy' });
		expect(linked.kind === 'signed-in' && linked.userId).toBe(invited.id);
		expect(
			await t.db.select().from(ssoIdentities).where(eq(ssoIdentities.userId, invited.id))
		).toHaveLength(1);

		await setPersonStatus(t.db, admin, invited.id, 'deactivated', 'Left the service');
		expect(
			await refusalOf(signInThroughIdp({ nameId: 'ivy-1', email: invited.email, name: 'Ivy' }))
		).toBe('deactivated');

		await makePerson(t.db, {
			email: 'council.person@probation.sso.test',
			organisationKey: 'kirklees-council'
		});
		expect(
			await refusalOf(
				signInThroughIdp({ nameId: 'cp-1', email: 'council.person@probation.sso.test', name: 'CP' })
			)
		).toBe('other-organisation');
		expect(
			await refusalOf(
				signInThroughIdp({ nameId: 'gm-1', email: 'someone@gmail.example', name: 'GM' })
			)
		).toBe('email');
	});

	it('refuses an answer that arrives in another browser, a tampered one, and a second use of the same sign-in', async () => {
		const user = { nameId: 'b-1', email: 'bea@probation.sso.test', name: 'Bea' };
		expect(await refusalOf(signInThroughIdp(user, { browser: 'other' }))).toBe('expired');
		expect(await refusalOf(signInThroughIdp(user, { mode: 'tampered' }))).toBe('failed');
		expect(await refusalOf(signInThroughIdp(user, { mode: 'wrapped' }))).toBe('failed');
		expect(
			await t.db.select().from(users).where(eq(users.email, 'someone.else@probation.sso.test'))
		).toHaveLength(0);
		const started = await beginSignIn(t.db, 'probation-service', { origin: ORIGIN, next: null });
		const relayState = new URL(started.url).searchParams.get('RelayState')!;
		const response = Buffer.from(
			samlResponseXml(
				{ mode: 'good', user, spEntityId: samlSpEntityId(ORIGIN, 'probation-service') },
				relayState,
				samlAcsUrl(ORIGIN)
			)
		).toString('base64');
		const post = () =>
			finishSaml(t.db, {
				origin: ORIGIN,
				samlResponse: response,
				relayState,
				browserToken: started.browserToken
			});
		expect((await post()).kind).toBe('signed-in');
		expect(await refusalOf(post())).toBe('expired');
		const doctype = Buffer.from('<!DOCTYPE x [<!ENTITY e "boom">]><samlp:Response/>').toString(
			'base64'
		);
		const again = await beginSignIn(t.db, 'probation-service', { origin: ORIGIN, next: null });
		const rs = new URL(again.url).searchParams.get('RelayState')!;
		expect(
			await refusalOf(
				finishSaml(t.db, {
					origin: ORIGIN,
					samlResponse: doctype,
					relayState: rs,
					browserToken: again.browserToken
				})
			)
		).toBe('failed');
		const refused = await t.db
			.select({ reason: auditLog.reason })
			.from(auditLog)
			.where(eq(auditLog.action, 'sso.refused'));
		expect(refused.map((r) => r.reason)).toEqual(
			expect.arrayContaining(['the response contains a DTD', 'Invalid signature'])
		);
	});
});

describe('SAML requests', () => {
	const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/saml');
	const useKey = (key: string | undefined, cert: string | undefined) => {
		for (const [name, value] of [
			['SAML_SP_PRIVATE_KEY', key],
			['SAML_SP_CERTIFICATE', cert]
		] as const)
			if (value) process.env[name] = path.join(FIXTURES, value);
			else delete process.env[name];
	};
	afterAll(() => useKey(undefined, undefined));

	it('are signed (RSA-SHA256 over the redirect query) when the platform has a signing key, and the metadata says so', async () => {
		await configure();
		useKey(undefined, undefined);
		const plain = new URL(
			(await beginSignIn(t.db, 'probation-service', { origin: ORIGIN, next: null })).url
		);
		expect(plain.searchParams.has('Signature')).toBe(false);
		expect(await serviceProviderMetadata(t.db, ORIGIN, 'probation-service')).toContain(
			'AuthnRequestsSigned="false"'
		);

		useKey('sp-key.pem', 'sp-cert.pem');
		const signed = new URL(
			(await beginSignIn(t.db, 'probation-service', { origin: ORIGIN, next: null })).url
		);
		expect(signed.searchParams.get('SigAlg')).toBe(
			'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
		);
		const raw = new Map(
			signed.search
				.slice(1)
				.split('&')
				.map((p) => p.split('=') as [string, string])
		);
		const signedPart = ['SAMLRequest', 'RelayState', 'SigAlg']
			.map((k) => `${k}=${raw.get(k)}`)
			.join('&');
		const cert = fs.readFileSync(path.join(FIXTURES, 'sp-cert.pem'), 'utf8');
		const signature = Buffer.from(signed.searchParams.get('Signature')!, 'base64');
		expect(createVerify('RSA-SHA256').update(signedPart).verify(cert, signature)).toBe(true);
		expect(
			createVerify('RSA-SHA256')
				.update(signedPart + 'x')
				.verify(cert, signature)
		).toBe(false);
		const metadata = await serviceProviderMetadata(t.db, ORIGIN, 'probation-service');
		expect(metadata).toContain('AuthnRequestsSigned="true"');
		expect(metadata).toContain(
			cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '').slice(0, 60)
		);
	});

	it('are refused with the reason, not sent unsigned, when the key is half set or is not the certificate’s', async () => {
		await configure();
		for (const [key, cert, reason] of [
			['sp-key.pem', undefined, /set both SAML_SP_PRIVATE_KEY and SAML_SP_CERTIFICATE/],
			['other-key.pem', 'sp-cert.pem', /the certificate is not the private key/]
		] as const) {
			useKey(key, cert);
			const e = await errorOf(
				beginSignIn(t.db, 'probation-service', { origin: ORIGIN, next: null })
			);
			expect((e as SsoRefusal).code).toBe('failed');
			expect((e as SsoRefusal).reason).toMatch(reason);
			// The admin's settings page says so too.
			const { register } = await getSsoSettings(t.db, admin, probation, ORIGIN);
			expect(register.samlRequestSigning).toEqual({
				signed: false,
				problem: expect.stringMatching(reason)
			});
		}
		useKey(undefined, undefined);
	});
});

describe('organisations that require single sign-on', () => {
	it('have no password sign-in and no reset link; the email says who to ask', async () => {
		await configure({ allowCreate: 'on', required: 'on' });
		const officer = await makePerson(t.db, {
			email: 'olu.officer@probation.sso.test',
			organisationKey: 'probation-service',
			password: true
		});
		const e = await errorOf(
			signIn(t.db, { email: officer.email, password: TEST_PASSWORD }, '203.0.113.9')
		);
		expect(e).toBeInstanceOf(ValidationError);
		expect((e as ValidationError).message).toContain('the probation IT desk');
		const { background } = await requestPasswordReset(
			t.db,
			{ email: officer.email },
			'203.0.113.9',
			{ origin: ORIGIN, partnershipName: 'Safer Kirklees' }
		);
		await background;
		const [mail] = await t.db.select().from(outbox).where(eq(outbox.toAddress, officer.email));
		expect(mail?.body).toContain('the probation IT desk');
		expect(mail?.body).not.toContain('/reset-password/');
	});

	it('invite their people (one by one or by CSV) to sign in with the organisation’s account, with no password to choose; old invitation and reset links choose none either', async () => {
		await configure({ allowCreate: 'on', required: 'on' });
		const ctx = { origin: ORIGIN, partnershipName: 'Safer Kirklees' };
		await invitePerson(
			t.db,
			admin,
			{
				name: 'Ines Invited',
				email: 'ines.invited@probation.sso.test',
				organisationId: probation,
				audience: 'frontline'
			},
			ctx
		);
		await commitImport(
			t.db,
			admin,
			'name,email,organisation,team,audience,manager\n' +
				'Cai Csv,cai.csv@probation.sso.test,The Probation Service,,frontline,\n' +
				'Pip Police,pip.police@wyp.example,West Yorkshire Police,,frontline,\n',
			ctx
		);
		const mailTo = async (to: string) =>
			(await t.db.select().from(outbox).where(eq(outbox.toAddress, to)))[0]!;
		for (const to of ['ines.invited@probation.sso.test', 'cai.csv@probation.sso.test']) {
			const mail = await mailTo(to);
			expect(mail.body, to).toContain('Sign in with your The Probation Service account');
			expect(mail.body).toContain(`${ORIGIN}/sso/probation-service/start`);
			expect(mail.body).not.toMatch(/Choose your password|\/invite\/|\/reset-password\//);
			expect(mail.html).toContain('Sign in with your The Probation Service account');
		}
		// Someone of an organisation with passwords still chooses one.
		expect((await mailTo('pip.police@wyp.example')).body).toMatch(
			/Choose your password|\/invite\//
		);

		// A link sent before single sign-on was required shows how to sign in, not a password form.
		const olu = await makePerson(t.db, {
			email: 'olu.oldlink@probation.sso.test',
			organisationKey: 'probation-service',
			password: false
		});
		for (const kind of ['invite', 'reset'] as const) {
			const token = await issueToken(t.db, kind, olu.id);
			expect((await passwordLinkHolder(t.db, kind, token))?.ssoOnly).toEqual({
				organisationName: 'The Probation Service',
				helpContact: 'the probation IT desk',
				startPath: '/sso/probation-service/start'
			});
			const e = await errorOf(
				setPasswordFromLink(t.db, kind, token, {
					password: 'quiet meadow copper lamp',
					confirmPassword: 'quiet meadow copper lamp'
				})
			);
			expect((e as ValidationError).fieldErrors.password).toContain('sign in with your');
		}
		const [stored] = await t.db.select().from(users).where(eq(users.id, olu.id));
		expect(stored?.passwordHash).toBeNull();
	});

	it('cannot be required before single sign-on is on', async () => {
		const e = await errorOf(configure({ enabled: '', required: 'on' }));
		expect((e as ValidationError).fieldErrors.required).toMatch(/Switch single sign-on on/);
	});
});

describe('OpenID Connect settings', () => {
	it('store the client secret encrypted, and keep it when the field is left empty', async () => {
		const nhs = await orgId(t.db, 'nhs-wy-icb-kirklees');
		const base = {
			protocol: 'oidc',
			emailDomains: 'nhs.sso.test',
			oidcIssuer: 'https://login.microsoftonline.com/tenant/v2.0',
			oidcClientId: 'client-1',
			defaultAudience: 'frontline'
		};
		await saveSsoSettings(t.db, admin, nhs, { ...base, oidcClientSecret: 'very-secret-value' });
		const [row] = await t.db
			.select()
			.from(organisationSso)
			.where(eq(organisationSso.organisationId, nhs));
		expect(row?.oidcClientSecret).toMatch(/^v1\./);
		expect(row?.oidcClientSecret).not.toContain('very-secret-value');
		await saveSsoSettings(t.db, admin, nhs, base);
		const [kept] = await t.db
			.select()
			.from(organisationSso)
			.where(and(eq(organisationSso.organisationId, nhs)));
		expect(kept?.oidcClientSecret).toBe(row?.oidcClientSecret);
		// A provider that does not answer: a clear refusal with the reason recorded, not a crash.
		await saveSsoSettings(t.db, admin, nhs, {
			...base,
			oidcIssuer: 'http://127.0.0.1:9/',
			enabled: 'on'
		});
		const refused = await errorOf(
			beginSignIn(t.db, 'nhs-wy-icb-kirklees', { origin: ORIGIN, next: null })
		);
		expect(refused).toBeInstanceOf(SsoRefusal);
		expect((refused as SsoRefusal).code).toBe('failed');
		const tested = await errorOf(
			beginSignIn(t.db, 'nhs-wy-icb-kirklees', { origin: ORIGIN, next: null, tester: admin })
		);
		expect((tested as SsoRefusal).testOrganisationId).toBe(nhs);
		expect(await lastStartFailure(t.db, admin, nhs)).toMatch(
			/^could not start: discovery at http:\/\/127\.0\.0\.1:9\/ failed/
		);
		const manager = await makePerson(t.db, {
			email: 'other.manager@e2e.example',
			organisationKey: 'kirklees-council',
			manages: ['kirklees-council']
		});
		expect(await errorOf(saveSsoSettings(t.db, manager, nhs, base))).toMatchObject({ status: 403 });
	});
});

/** What the person sees when a sign-in is refused: the redirect the SAML endpoint answers, then that page. */
async function refusalPageFor(work: () => Promise<FinishResult>) {
	const cookies = {
		get: () => undefined,
		set: () => {},
		delete: () => {}
	} as unknown as Cookies;
	const thrown = await errorOf(answer(work, cookies, new URL(`${ORIGIN}/sso/saml/acs`)));
	expect(isRedirect(thrown)).toBe(true);
	const url = new URL((thrown as Redirect).location, ORIGIN);
	const data = await refusedLoad({ url } as unknown as Parameters<typeof refusedLoad>[0]);
	const { body } = render(RefusedPage, {
		props: { data: { ...data!, branding: { shortName: 'Safer Kirklees' } } } as never
	});
	return {
		url,
		text: body
			.replace(/<[^>]+>/g, ' ')
			.replace(/\s+/g, ' ')
			.trim()
	};
}

describe('single sign-on refusals people see', () => {
	it('with account creation off, someone with no account is refused, told who to ask, and nobody is created', async () => {
		await configure({ allowCreate: '' });
		const user = { nameId: 'nobody-1', email: 'nadia.noaccount@probation.sso.test', name: 'Nadia' };
		const page = await refusalPageFor(() => signInThroughIdp(user));
		expect(page.url.pathname).toBe('/sso/refused');
		expect(Object.fromEntries(page.url.searchParams)).toEqual({
			reason: 'unknown-person',
			organisation: 'probation-service'
		});
		expect(page.text).toContain('We could not sign you in with your The Probation Service account');
		expect(page.text).toContain('You do not have an account on this platform yet.');
		expect(page.text).toContain('If you need help, ask the probation IT desk.');

		expect(await t.db.select().from(users).where(eq(users.email, user.email))).toHaveLength(0);
		expect(
			await t.db
				.select()
				.from(ssoIdentities)
				.where(
					and(eq(ssoIdentities.organisationId, probation), eq(ssoIdentities.subject, 'nobody-1'))
				)
		).toHaveLength(0);
		const refused = await t.db
			.select({ reason: auditLog.reason, details: auditLog.details })
			.from(auditLog)
			.where(and(eq(auditLog.action, 'sso.refused'), eq(auditLog.organisationId, probation)));
		expect(refused).toContainEqual({
			reason: 'no account has this email and creating accounts is switched off',
			details: { code: 'unknown-person', subject: 'nobody-1' }
		});
	});

	it('refuses an assertion whose NotBefore is further ahead than the allowed clock skew, and accepts one within it', async () => {
		await configure({ allowCreate: 'on' });
		// The provider's clock is 3 minutes fast: NotBefore (a minute before its "now") is 2 minutes ahead of ours.
		const early = { nameId: 'early-1', email: 'ed.early@probation.sso.test', name: 'Ed Early' };
		const e = await errorOf(signInThroughIdp(early, { idpClockAheadMs: 3 * 60_000 }));
		expect(e).toBeInstanceOf(SsoRefusal);
		expect((e as SsoRefusal).code).toBe('failed');
		expect((e as SsoRefusal).reason).toBe('SAML assertion not yet valid');
		expect(await t.db.select().from(users).where(eq(users.email, early.email))).toHaveLength(0);
		// What the person sees for it.
		const page = await refusalPageFor(() =>
			signInThroughIdp(early, { idpClockAheadMs: 3 * 60_000 })
		);
		expect(page.url.searchParams.get('reason')).toBe('failed');
		expect(page.text).toContain('could not be accepted');

		// 90 seconds fast: NotBefore is 30 seconds ahead, within the 60 seconds allowed.
		const near = { nameId: 'near-1', email: 'nia.near@probation.sso.test', name: 'Nia Near' };
		expect((await signInThroughIdp(near, { idpClockAheadMs: 90_000 })).kind).toBe('signed-in');
		expect(await t.db.select().from(users).where(eq(users.email, near.email))).toHaveLength(1);
	});
});

describe('who configures an organisation’s sign-in', () => {
	const form = (fields: Record<string, string>) =>
		new Request(`${ORIGIN}/manage/organisations/${probation}/sign-in?/save`, {
			method: 'POST',
			body: new URLSearchParams(fields)
		});
	const settingsFields = (helpContact: string) => ({
		protocol: 'saml',
		enabled: 'on',
		emailDomains: 'probation.sso.test',
		samlMetadataXml: idpMetadata(),
		defaultAudience: 'frontline',
		helpContact
	});
	const loadAs = (user: AuthUser) =>
		signInSettingsLoad({
			locals: { user },
			params: { id: probation },
			url: new URL(`${ORIGIN}/manage/organisations/${probation}/sign-in`)
		} as unknown as Parameters<typeof signInSettingsLoad>[0]);
	const saveAs = (user: AuthUser, helpContact: string) =>
		signInSettingsActions.save!({
			request: form(settingsFields(helpContact)),
			locals: { user },
			params: { id: probation }
		} as unknown as Parameters<NonNullable<typeof signInSettingsActions.save>>[0]);
	const ROUTE = '/(manage)/manage/organisations/[id]/sign-in';

	it('a manager of the organisation can open and save its sign-in settings; a manager of another gets 403', async () => {
		await configure();
		const own = await makePerson(t.db, {
			email: 'pat.probation.manager@e2e.example',
			organisationKey: 'probation-service',
			manages: ['probation-service']
		});
		const other = await makePerson(t.db, {
			email: 'wyp.manager@e2e.example',
			organisationKey: 'west-yorkshire-police',
			manages: ['west-yorkshire-police']
		});
		const learner = await makePerson(t.db, {
			email: 'lea.learner@probation.sso.test',
			organisationKey: 'probation-service'
		});
		expect(mayReach(own, ROUTE)).toBe('yes');
		expect(mayReach(other, ROUTE)).toBe('yes'); // the group lets managers in; the service checks the organisation
		expect(mayReach(learner, ROUTE)).toBe('forbidden');

		const page = await loadAs(own);
		expect(page).toMatchObject({ organisation: { id: probation } });
		expect(await saveAs(own, 'the probation service desk, 01484 000000')).toEqual({
			saved: 'Sign-in settings saved.'
		});
		const [row] = await t.db
			.select()
			.from(organisationSso)
			.where(eq(organisationSso.organisationId, probation));
		expect(row).toMatchObject({
			enabled: true,
			helpContact: 'the probation service desk, 01484 000000'
		});
		expect((await loadAs(own))?.settings.helpContact).toBe(
			'the probation service desk, 01484 000000'
		);
		const audit = await t.db
			.select({ actorId: auditLog.actorId })
			.from(auditLog)
			.where(and(eq(auditLog.action, 'sso.settings-changed'), eq(auditLog.actorId, own.id)));
		expect(audit).toHaveLength(1);

		for (const work of [() => loadAs(other), () => saveAs(other, 'someone at the police')]) {
			const e = await errorOf(Promise.resolve().then(work));
			expect(isHttpError(e) && e.status).toBe(403);
		}
		const [unchanged] = await t.db
			.select()
			.from(organisationSso)
			.where(eq(organisationSso.organisationId, probation));
		expect(unchanged?.helpContact).toBe('the probation service desk, 01484 000000');
	});
});
