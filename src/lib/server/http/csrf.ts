/**
 * SvelteKit's own origin check, with one exemption: a SAML identity provider posts its response
 * to the assertion consumer service from its own origin (the HTTP-POST binding). That endpoint is
 * protected instead by the signed assertion, InResponseTo a request we sent, and a cookie binding
 * the sign-in to the browser that began it. svelte.config.js turns the built-in check off so this
 * one, which is otherwise identical, can run in hooks.server.ts.
 */
export const CROSS_ORIGIN_POST_PATHS: readonly string[] = ['/sso/saml/acs'];

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

export function crossSiteFormRefused(request: Request, url: URL): boolean {
	if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method)) return false;
	const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
	if (!FORM_TYPES.includes(type)) return false;
	if (request.headers.get('origin') === url.origin) return false;
	return !CROSS_ORIGIN_POST_PATHS.includes(url.pathname);
}
