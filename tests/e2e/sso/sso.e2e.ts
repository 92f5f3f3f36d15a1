import { expect, test, type Page } from '@playwright/test';
import {
	expectAccessible,
	expectNoHorizontalScroll,
	linkFromOutbox,
	signInAs,
	SignInPage
} from '../support/helpers.ts';
import { PASSWORD, WORLD } from '../support/world.ts';
import { E2E_BASE_URL, sharedServerLog } from '../support/server.ts';
import {
	SAML_PORT,
	OIDC_CLIENT_ID,
	OIDC_CLIENT_SECRET,
	OIDC_ISSUER,
	idpMetadata,
	startOidcProvider,
	startSamlIdp,
	type OidcIdp,
	type OidcMode,
	type SamlIdp
} from '../support/idps.ts';

/**
 * Single sign-on through real providers started here: the admin configures each organisation's
 * provider on its sign-in settings page and tests it; then people sign in through it. One worker,
 * in order: the providers live in this process.
 */
// Each test is a series of whole sign-ins through real providers: more than the default minute on two busy cores.
test.describe.configure({ mode: 'serial', timeout: 180_000 });

const NHS = 'NHS West Yorkshire Integrated Care Board (Kirklees)';
const PROBATION = 'The Probation Service';
let oidc: OidcIdp;
let saml: SamlIdp;

const RUN = Date.now().toString(36);
const ACCOUNTS = {
	nina: {
		email: 'nina.new@nhs.sso.test',
		email_verified: true,
		name: 'Nina New',
		roles: ['Volunteer'],
		team: 'Primary care'
	},
	ira: { email: WORLD.nhsInvited.email, email_verified: true, name: 'Ira From Entra' },
	unverified: { email: 'unverified@nhs.sso.test', email_verified: false, name: 'Una Unverified' },
	oscar: { email: 'oscar.oidc@nhs.sso.test', email_verified: true, name: 'Oscar Oidc' },
	// Invited by a test: a fresh address for each run (a retry starts a new worker).
	ned: { email: `ned.${RUN}@nhs.sso.test`, email_verified: true, name: 'Ned From Entra' }
};

test.beforeAll(async () => {
	oidc = await startOidcProvider(ACCOUNTS);
	saml = await startSamlIdp(`${E2E_BASE_URL}/sso/saml/probation-service/metadata`, {
		nameId: 'probation-1',
		email: WORLD.probationOfficer.email,
		name: 'Pat Probation'
	});
});

test.afterAll(async () => {
	await oidc?.stop();
	await saml?.stop();
});

async function openSettings(page: Page, orgName: string) {
	await page.goto('/manage/organisations');
	await page.getByRole('link', { name: orgName, exact: true }).click();
	await page.getByRole('link', { name: /Sign-in settings/ }).click();
	await expect(
		page.getByRole('heading', { level: 1, name: `Sign-in for ${orgName}` })
	).toBeVisible();
}

async function oidcLogin(page: Page, login: string) {
	await expect(page).toHaveURL(new RegExp(`^${OIDC_ISSUER}/`));
	await page.locator('input[name="login"]').fill(login);
	await page.locator('input[name="password"]').fill('any');
	await page.locator('button[type="submit"]').click();
}

/** The admin outbox's newest message to an address, as its plain text. */
async function newestEmailTo(adminPage: Page, to: string): Promise<string> {
	await adminPage.goto('/admin/outbox');
	const message = adminPage.locator('section.card', { hasText: `To ${to}` }).first();
	await expect(message).toBeVisible();
	return message.locator('pre').innerText();
}

async function invite(adminPage: Page, name: string, email: string, orgName: string) {
	await adminPage.goto('/manage/people/invite');
	await adminPage.getByLabel('Full name').fill(name);
	await adminPage.getByLabel('Email address').fill(email);
	await adminPage.getByLabel('Organisation', { exact: true }).selectOption({ label: orgName });
	await adminPage.getByLabel(/Front-line officer/).check();
	await adminPage.getByRole('button', { name: 'Send invitation' }).click();
	await expect(adminPage.getByRole('status')).toContainText(`Invitation sent to ${email}`);
}

async function signInWithEmail(page: Page, email: string, orgName: string) {
	const signIn = new SignInPage(page);
	await signIn.goto();
	await page.getByLabel('Email address').fill(email);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByRole('link', { name: `Continue to ${orgName} sign-in` }).click();
}

test('OIDC: the admin configures and tests the provider, then a first sign-in creates the person in the right organisation, team and audience', async ({
	page,
	browser
}) => {
	await signInAs(page, 'admin');
	await openSettings(page, NHS);
	await expectAccessible(page);
	await page.getByLabel(/^OpenID Connect/).check();
	await page.getByLabel('Email domains').fill('nhs.sso.test');
	await page.getByLabel('Issuer URL').fill(OIDC_ISSUER);
	await page.getByLabel('Client (application) id').fill(OIDC_CLIENT_ID);
	await page.getByLabel('Client secret').fill(OIDC_CLIENT_SECRET);
	await page.getByLabel('Audience claim or attribute (optional)').fill('roles');
	await page.getByLabel('Audience values').fill('Volunteer = community');
	await page.getByLabel('Team claim or attribute (optional)').fill('team');
	await page
		.getByLabel('Who people should ask when they cannot sign in')
		.fill('the NHS IT service desk');
	await page.getByLabel('Create an account for someone the platform does not know yet').check();
	await page.getByRole('button', { name: 'Save sign-in settings' }).click();
	await expect(page.getByRole('status')).toContainText('Sign-in settings saved.');

	// Test sign-in before switching on: reports what came back and what would be done, changes nothing.
	await page.getByRole('link', { name: 'Test sign-in with the saved settings' }).click();
	await oidcLogin(page, 'nina');
	const report = page.getByTestId('test-report');
	await expect(report).toContainText('The provider’s answer was accepted.');
	await expect(report).toContainText('Create Nina New (nina.new@nhs.sso.test)');
	await expect(report).toContainText('community contact in the team Primary care');
	await expect(report.getByRole('cell', { name: 'roles', exact: true })).toBeVisible();
	await expectAccessible(page);
	await page.setViewportSize({ width: 320, height: 800 });
	await expectNoHorizontalScroll(page);
	await expectAccessible(page);
	await page.setViewportSize({ width: 1280, height: 720 });

	await page.getByLabel('Single sign-on is on').check();
	await page.getByLabel(/Require single sign-on/).check();
	await page.getByLabel(/Show a “Sign in with/).check();
	await page.getByRole('button', { name: 'Save sign-in settings' }).click();
	await expect(page.getByRole('status')).toContainText('Sign-in settings saved.');

	// Nina, unknown to the platform, signs in with the button.
	const context = await browser.newContext();
	const nina = await context.newPage();
	await nina.goto('/sign-in');
	await expectAccessible(nina);
	await nina.setViewportSize({ width: 320, height: 700 });
	await expectNoHorizontalScroll(nina);
	await nina.getByRole('link', { name: `Sign in with ${NHS}` }).click();
	await oidcLogin(nina, 'nina');
	await expect(nina.getByRole('button', { name: 'Sign out' })).toBeVisible();
	await nina.goto('/account');
	await expect(nina.locator('main')).toContainText('Nina New');

	await page.goto('/manage/people?organisationId=' + new URL(page.url()).pathname.split('/')[3]);
	const row = page.getByRole('row', { name: /Nina New/ });
	await expect(row).toContainText('Primary care');
	await page.goto('/admin/audit?action=sso.person-created');
	await expect(page.locator('main')).toContainText(
		'Nina New’s account was created when they first signed in through single sign-on for'
	);
	await context.close();
});

test('OIDC: a required-SSO organisation refuses the password route; after the provider rotates its signing key, a first sign-in links to the invited account by verified email; an unverified email and a replayed callback are refused', async ({
	browser,
	page
}) => {
	// Key rotation: the provider comes back signing with a new key the platform has never seen.
	await oidc.stop();
	oidc = await startOidcProvider(ACCOUNTS);
	const context = await browser.newContext();
	const ira = await context.newPage();
	// NHS requires single sign-on: the email goes to the provider, and a posted password signs nobody in.
	const direct = await ira.request.post('/sign-in', {
		form: { email: WORLD.nhsInvited.email, password: PASSWORD },
		headers: { origin: E2E_BASE_URL }
	});
	expect(direct.ok()).toBe(true);
	expect((await context.cookies()).some((c) => c.name === 'session')).toBe(false);
	await ira.goto('/forgot-password');
	await ira.getByLabel('Email address').fill(WORLD.nhsInvited.email);
	await ira.getByRole('button', { name: 'Send reset link' }).click();
	await expect(ira.getByRole('status')).toContainText('no password to reset');

	await signInWithEmail(ira, WORLD.nhsInvited.email, NHS);
	const callback = ira.waitForRequest((r) =>
		r.url().startsWith(`${E2E_BASE_URL}/sso/oidc/callback`)
	);
	await oidcLogin(ira, 'ira');
	const callbackUrl = (await callback).url();
	await expect(ira.getByRole('button', { name: 'Sign out' })).toBeVisible();
	await ira.goto('/account');
	await expect(ira.locator('main')).toContainText(WORLD.nhsInvited.name); // the invited account, not a new one

	// The same answer again (a replay) is refused.
	await ira.getByRole('button', { name: 'Sign out' }).click();
	await ira.goto(callbackUrl);
	await expect(ira.getByRole('heading', { level: 1 })).toContainText('We could not sign you in');
	await expect(ira.locator('main')).toContainText('already used');
	await expectAccessible(ira);
	await ira.setViewportSize({ width: 320, height: 700 });
	await expectNoHorizontalScroll(ira);
	await context.close();

	const other = await browser.newContext();
	const una = await other.newPage();
	await signInWithEmail(una, 'unverified@nhs.sso.test', NHS);
	await oidcLogin(una, 'unverified');
	await expect(una.getByRole('heading', { level: 1 })).toContainText('We could not sign you in');
	await expect(una.locator('main')).toContainText('the NHS IT service desk');
	await other.close();

	await signInAs(page, 'admin');
	await page.goto('/admin/audit?action=sso.linked');
	await expect(page.locator('main')).toContainText(
		/linked their account to single sign-on for .* \(OpenID Connect\)\./
	);
	await page.goto('/admin/audit?action=sso.refused');
	await expect(page.locator('main')).toContainText(/not verified/);
});

test('OIDC: a tampered, expired, wrongly addressed (audience, issuer) or wrong-nonce ID token, and a reused authorization code, are refused with a logged reason; nobody is created or signed in', async ({
	browser,
	page
}) => {
	const refusals: [OidcMode, RegExp][] = [
		['tampered', /signature/i],
		['expired', /"exp"/],
		['wrong-audience', /"aud"/],
		['wrong-issuer', /"iss"/],
		['wrong-nonce', /"nonce"/]
	];
	for (const [mode] of refusals) {
		oidc.mode = mode;
		// A fresh browser each time: no session left at the provider from the last try.
		const context = await browser.newContext();
		const oscar = await context.newPage();
		await signInWithEmail(oscar, ACCOUNTS.oscar.email, NHS);
		await oidcLogin(oscar, 'oscar');
		await expect(oscar.getByRole('heading', { level: 1 }), mode).toContainText(
			'We could not sign you in'
		);
		await expect(oscar.locator('main')).toContainText('could not be accepted');
		await expect(oscar.locator('main')).toContainText('the NHS IT service desk');
		expect(
			(await context.cookies()).some((c) => c.name === 'session'),
			mode
		).toBe(false);
		if (mode === 'tampered') {
			await expectAccessible(oscar);
			await oscar.setViewportSize({ width: 320, height: 700 });
			await expectNoHorizontalScroll(oscar);
		}
		await context.close();
	}

	// With an honest token the same person gets in: the refusals were the tokens' fault.
	oidc.mode = 'good';
	const victim = await browser.newContext();
	const oscar = await victim.newPage();
	await signInWithEmail(oscar, ACCOUNTS.oscar.email, NHS);
	const callback = oscar.waitForRequest((r) =>
		r.url().startsWith(`${E2E_BASE_URL}/sso/oidc/callback`)
	);
	await oidcLogin(oscar, 'oscar');
	const usedCode = new URL((await callback).url()).searchParams;
	await expect(oscar.getByRole('button', { name: 'Sign out' })).toBeVisible();
	await victim.close();

	// Someone who got hold of that (already redeemed) code slips it into a sign-in of their own.
	const attacker = await browser.newContext();
	const mallory = await attacker.newPage();
	const authorize = mallory.waitForRequest((r) => r.url().startsWith(`${OIDC_ISSUER}/auth`));
	await signInWithEmail(mallory, ACCOUNTS.oscar.email, NHS);
	const ownState = new URL((await authorize).url()).searchParams.get('state')!;
	await mallory.goto(
		`/sso/oidc/callback?${new URLSearchParams({ code: usedCode.get('code')!, state: ownState, iss: usedCode.get('iss') ?? OIDC_ISSUER })}`
	);
	await expect(mallory.getByRole('heading', { level: 1 })).toContainText(
		'We could not sign you in'
	);
	expect((await attacker.cookies()).some((c) => c.name === 'session')).toBe(false);
	await attacker.close();

	// Nobody but Oscar was created: not the tampered token's "someone else", not a second Oscar.
	await signInAs(page, 'admin');
	await page.goto('/manage/people?q=oscar.oidc');
	await expect(page.getByRole('row', { name: /Oscar Oidc/ })).toHaveCount(1);
	await page.goto('/manage/people?q=someone.else');
	await expect(page.getByRole('row', { name: /someone/i })).toHaveCount(0);
	// Each refusal is in the audit log and in the server's log with its reason.
	await page.goto('/admin/audit?action=sso.refused');
	const logged = sharedServerLog()
		.filter((l) => l.message === 'single sign-on refused')
		.map((l) => String(l.reason));
	for (const [mode, reason] of [
		...refusals,
		['reused code', /the provider answered invalid_grant/] as const
	]) {
		await expect(page.locator('main'), String(mode)).toContainText(reason);
		expect(
			logged.some((r) => reason.test(r)),
			`${mode} in the server log: ${logged.join(' | ')}`
		).toBe(true);
	}
});

test('SAML: configured from metadata; tampered, wrapped, expired, replayed and wrongly addressed responses are refused', async ({
	page,
	browser
}) => {
	await signInAs(page, 'admin');
	await openSettings(page, PROBATION);
	await page.getByLabel(/^SAML 2.0/).check();
	await page.getByLabel('Email domains').fill('probation.sso.test');
	await page.getByLabel('Or paste the identity provider metadata XML').fill(idpMetadata());
	await page
		.getByLabel('Who people should ask when they cannot sign in')
		.fill('the probation IT desk');
	await page.getByLabel('Single sign-on is on').check();
	await page.getByRole('button', { name: 'Save sign-in settings' }).click();
	await expect(page.getByRole('status')).toContainText('Sign-in settings saved.');
	await expect(page.getByLabel('Sign-on URL (HTTP-Redirect)')).toHaveValue(/\/sso$/);
	await expect(page.getByTestId('saml-request-signing')).toContainText('Signed');

	// Only the assertion consumer service takes form posts from another origin.
	const forged = await page.request.post('/sign-in', {
		form: { email: WORLD.probationOfficer.email },
		headers: { origin: `http://127.0.0.1:${SAML_PORT}` }
	});
	expect(forged.status()).toBe(403);

	const refusals: [SamlIdp['mode'], RegExp][] = [
		['tampered', /Invalid signature/],
		['wrapped', /Invalid signature/],
		['expired', /No valid subject confirmation/],
		['wrong-recipient', /recipient is http:\/\/127\.0\.0\.1:\d+\/elsewhere\/acs/],
		['wrong-destination', /addressed to http:\/\/127\.0\.0\.1:\d+\/elsewhere\/acs/],
		['wrong-audience', /audience mismatch/i],
		['other-signer', /Invalid signature/],
		['unsigned', /Invalid signature/]
	];
	const context = await browser.newContext();
	const pat = await context.newPage();
	for (const [mode] of refusals) {
		saml.mode = mode;
		await signInWithEmail(pat, WORLD.probationOfficer.email, PROBATION);
		await pat.getByRole('button', { name: 'Continue to the service' }).click();
		await expect(pat.getByRole('heading', { level: 1 }), mode).toContainText(
			'We could not sign you in'
		);
		await expect(pat.locator('main')).toContainText('the probation IT desk');
		expect(
			(await context.cookies()).some((c) => c.name === 'session'),
			mode
		).toBe(false);
	}

	saml.mode = 'good';
	saml.lastRequestSigned = null;
	await signInWithEmail(pat, WORLD.probationOfficer.email, PROBATION);
	await pat.getByRole('button', { name: 'Continue to the service' }).click();
	await expect(pat.getByRole('button', { name: 'Sign out' })).toBeVisible();
	// The platform has a request signing key: the identity provider checked the AuthnRequest's signature.
	expect(saml.lastRequestSigned).toBe(true);
	const metadata = await (await pat.request.get('/sso/saml/probation-service/metadata')).text();
	expect(metadata).toContain('AuthnRequestsSigned="true"');
	expect(metadata).toContain('<KeyDescriptor use="signing">');
	await pat.getByRole('button', { name: 'Sign out' }).click();
	// The same response posted again is refused.
	await pat.goto(`http://127.0.0.1:${SAML_PORT}/replay`);
	await pat.getByRole('button', { name: 'Continue to the service' }).click();
	await expect(pat.getByRole('heading', { level: 1 })).toContainText('We could not sign you in');
	await context.close();

	await page.goto('/admin/audit?action=sso.refused');
	const logged = sharedServerLog()
		.filter((l) => l.message === 'single sign-on refused')
		.map((l) => String(l.reason));
	// Four different bad signatures: four refusals for it, not one.
	expect(
		await page.getByRole('listitem').filter({ hasText: 'Invalid signature' }).count()
	).toBeGreaterThanOrEqual(4);
	for (const [mode, reason] of [
		...refusals,
		['replay', /already finished \(a replay\)/] as const
	]) {
		await expect(page.locator('main'), mode).toContainText(reason);
		expect(
			logged.some((r) => reason.test(r)),
			`${mode} in the server log`
		).toBe(true);
	}
	await page.goto('/manage/people?q=someone.else');
	await expect(page.getByRole('row', { name: /someone/i })).toHaveCount(0);
});

test('Required single sign-on: the invitation says to sign in with the organisation’s account and does; an older invitation link and forgot-password show how to sign in, and no email offers a password', async ({
	page,
	browser
}) => {
	await signInAs(page, 'admin');
	// NHS requires single sign-on: the invitation has no password to choose.
	await invite(page, 'Ned Newstarter', ACCOUNTS.ned.email, NHS);
	const invitation = await newestEmailTo(page, ACCOUNTS.ned.email);
	expect(invitation).toContain(`Sign in with your ${NHS} account`);
	expect(invitation).not.toMatch(/Choose your password|\/invite\//);
	const start = /https?:\/\/\S+\/sso\/nhs-wy-icb-kirklees\/start/.exec(invitation)?.[0];
	expect(start, invitation).toBeTruthy();
	const nedContext = await browser.newContext();
	const ned = await nedContext.newPage();
	await ned.goto(start!);
	await oidcLogin(ned, 'ned');
	await expect(ned.getByRole('button', { name: 'Sign out' })).toBeVisible();
	await ned.goto('/account');
	await expect(ned.locator('main')).toContainText('Ned Newstarter'); // the invited account
	await nedContext.close();

	// An invitation sent before the Probation Service required single sign-on.
	const PRIYA = `priya.${RUN}@probation.sso.test`;
	await invite(page, 'Priya Prior', PRIYA, PROBATION);
	const oldLink = await linkFromOutbox(page, PRIYA, '/invite/');
	await openSettings(page, PROBATION);
	await page.getByLabel(/Require single sign-on/).check();
	await page.getByRole('button', { name: 'Save sign-in settings' }).click();
	await expect(page.getByRole('status')).toContainText('Sign-in settings saved.');

	const priyaContext = await browser.newContext();
	const priya = await priyaContext.newPage();
	await priya.goto(oldLink);
	await expect(priya.getByRole('heading', { level: 1 })).toHaveText('Welcome, Priya Prior');
	await expect(priya.locator('main')).toContainText('there is no password to choose here');
	await expect(priya.getByLabel('New password', { exact: true })).toHaveCount(0);
	await expect(
		priya.getByRole('link', { name: `Sign in with your ${PROBATION} account` })
	).toHaveAttribute('href', '/sso/probation-service/start');
	await expectAccessible(priya);
	await priya.setViewportSize({ width: 320, height: 700 });
	await expectNoHorizontalScroll(priya);
	await priya.setViewportSize({ width: 1280, height: 720 });

	await priya.goto('/forgot-password');
	await priya.getByLabel('Email address').fill(PRIYA);
	await priya.getByRole('button', { name: 'Send reset link' }).click();
	const notice = priya.getByRole('status');
	await expect(notice).toContainText('there is no password to reset here');
	await expect(notice).toContainText('ask the probation IT desk');
	await expect(
		notice.getByRole('link', { name: `Sign in with your ${PROBATION} account` })
	).toBeVisible();
	await expectAccessible(priya);
	await priya.setViewportSize({ width: 320, height: 700 });
	await expectNoHorizontalScroll(priya);
	await priyaContext.close();

	// The outbox holds the one invitation from before, and nothing with a reset link.
	const newest = await newestEmailTo(page, PRIYA);
	expect(newest).toContain('/invite/');
	await page.goto('/admin/outbox');
	for (const to of [PRIYA, ACCOUNTS.ned.email, WORLD.nhsInvited.email])
		await expect(
			page.locator('section.card', { hasText: `To ${to}` }).filter({ hasText: '/reset-password/' })
		).toHaveCount(0);
});
