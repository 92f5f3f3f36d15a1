import { error, redirect, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { db, isConnectionError, startApp, stopApp } from '$lib/server/app';
import { SESSION_COOKIE, validateSessionToken } from '$lib/server/auth/sessions';
import { mayReach } from '$lib/server/auth/permissions';
import { sessionCookieOptions } from '$lib/server/auth/cookie';
import { unavailableResponse } from '$lib/server/unavailable';
import { logger } from '$lib/server/logger';
import { randomToken } from '$lib/server/auth/tokens';
import { scormSettings } from '$lib/server/scorm/settings';

export const init: ServerInit = async () => {
	await startApp();
	// adapter-node emits this after SIGTERM/SIGINT once requests have drained: stop jobs, close the database.
	process.once('sveltekit:shutdown', () => {
		stopApp().catch((e) => logger.error('shutdown failed', { error: String(e) }));
	});
};

/** Headers every response carries; CSP itself comes from svelte.config.js (SvelteKit adds nonces). */
const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const h = response.headers;
	h.set('X-Content-Type-Options', 'nosniff');
	h.set('Referrer-Policy', 'strict-origin-when-cross-origin');
	h.set('X-Frame-Options', 'DENY');
	h.set('Cross-Origin-Opener-Policy', 'same-origin');
	h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
	if (event.url.protocol === 'https:') h.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
	if (event.locals.user && !h.has('Cache-Control')) h.set('Cache-Control', 'private, no-store');
	// The SCORM player frames package content, which is only ever served from the content origin.
	const csp = h.get('Content-Security-Policy');
	if (csp && event.route.id?.startsWith('/(learner)/scorm/')) h.set('Content-Security-Policy', `${csp}; frame-src ${scormSettings().contentOrigin}`);
	return response;
};

/** Reads the session cookie; a database outage answers a friendly 503 instead of an error. */
const session: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.session = null;
	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		try {
			const result = await validateSessionToken(db(), token);
			if (result) {
				event.locals.user = result.user;
				event.locals.session = result.session;
				// Only when the expiry slid forward (at most hourly): no Set-Cookie on every response.
				if (result.session.renewed) event.cookies.set(SESSION_COOKIE, token, sessionCookieOptions(event.url, result.session.expiresAt));
			} else {
				event.cookies.delete(SESSION_COOKIE, sessionCookieOptions(event.url));
			}
		} catch (e) {
			if (isConnectionError(e)) return unavailableResponse(event.request);
			throw e;
		}
	}
	const response = await resolve(event);
	if (event.locals.databaseUnavailable) return unavailableResponse(event.request);
	return response;
};

/** The route-permissions table in $lib/server/auth/permissions decides; this only enforces it. */
const routeGuard: Handle = async ({ event, resolve }) => {
	const verdict = mayReach(event.locals.user, event.route.id);
	if (verdict === 'sign-in') {
		if (event.request.method !== 'GET') error(401, 'Sign in to continue.');
		redirect(303, `/sign-in?next=${encodeURIComponent(event.url.pathname + event.url.search)}`);
	}
	if (verdict === 'forbidden') error(403, 'You do not have permission to see this page.');
	return resolve(event);
};

export const handle = sequence(securityHeaders, session, routeGuard);

export const handleError: HandleServerError = ({ error: err, event, status, message }) => {
	if (isConnectionError(err)) {
		event.locals.databaseUnavailable = true;
		logger.error('database unreachable', { route: event.route.id, method: event.request.method });
		return { message: 'The service is temporarily unavailable. Please try again in a few minutes.' };
	}
	if (status === 404) return { message };
	const reference = randomToken(5);
	logger.error('unhandled server error', {
		reference,
		route: event.route.id,
		method: event.request.method,
		status,
		error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
		stack: err instanceof Error ? err.stack?.split('\n').slice(0, 6).join(' | ') : undefined
	});
	return { message: 'Sorry, something went wrong on our side. Please try again.', reference };
};
