import { error, redirect, type Cookies } from '@sveltejs/kit';
import { db } from '../app.ts';
import { homeFor } from '../auth/service.ts';
import { setSessionCookie } from '../auth/cookies.ts';
import { NotFoundError, ForbiddenError } from '../errors.ts';
import { FLOW_COOKIE, FLOW_MS, SsoRefusal, type FinishResult } from './service.ts';

/**
 * The cookie that binds a sign-in to the browser that began it. A SAML provider posts back
 * cross-site, so over HTTPS it is SameSite=None (Secure); over plain HTTP (local use) Lax.
 */
export function setFlowCookie(cookies: Cookies, url: URL, token: string) {
	const https = url.protocol === 'https:';
	cookies.set(FLOW_COOKIE, token, {
		path: '/sso',
		httpOnly: true,
		secure: https,
		sameSite: https ? 'none' : 'lax',
		maxAge: FLOW_MS / 1000
	});
}

/** Turns the service's answer into redirects; refusals go to a page that says what to do. */
export async function answer(
	work: () => Promise<FinishResult>,
	cookies: Cookies,
	url: URL
): Promise<never> {
	let result: FinishResult;
	try {
		result = await work();
	} catch (e) {
		if (e instanceof SsoRefusal) {
			const params = new URLSearchParams({
				reason: e.code,
				...(e.organisationKey ? { organisation: e.organisationKey } : {})
			});
			redirect(303, `/sso/refused?${params}`);
		}
		if (e instanceof NotFoundError || e instanceof ForbiddenError) error(e.status, e.message);
		throw e;
	}
	cookies.delete(FLOW_COOKIE, { path: '/sso' });
	if (result.kind === 'tested')
		redirect(
			303,
			`/manage/organisations/${result.organisationId}/sign-in?test=${encodeURIComponent(result.flowId)}`
		);
	setSessionCookie(cookies, url, result.session);
	redirect(
		303,
		result.next && result.next !== '/' ? result.next : await homeFor(db(), result.userId)
	);
}
