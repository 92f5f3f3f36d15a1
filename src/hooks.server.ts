import {
	error,
	isHttpError,
	isRedirect,
	redirect,
	type Handle,
	type HandleServerError,
	type ServerInit
} from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { availability, db, startApp, stopApp } from '$lib/server/app';
import { DOWN } from '$lib/server/db/availability';
import { SESSION_COOKIE, validateSessionToken } from '$lib/server/auth/sessions';
import { mayReach } from '$lib/server/auth/permissions';
import { sessionCookieOptions } from '$lib/server/auth/cookie';
import { unavailableResponse } from '$lib/server/unavailable';
import { randomUUID } from 'node:crypto';
import { logger, withRequestId } from '$lib/server/logger';
import { metrics } from '$lib/server/metrics';
import { randomToken } from '$lib/server/auth/tokens';
import { scormSettings } from '$lib/server/scorm/settings';
import { requestProblem } from '$lib/server/http/boundary';
import { crossSiteFormRefused } from '$lib/server/http/csrf';

export const init: ServerInit = async () => {
	await startApp();
	// adapter-node emits this after SIGTERM/SIGINT once requests have drained: stop jobs, close the database.
	process.once('sveltekit:shutdown', () => {
		stopApp().catch((e) => logger.error('shutdown failed', { error: String(e) }));
	});
};

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * Gives every request an id (the proxy's X-Request-Id when it sends a sensible one), so that every
 * log line written while handling it, and by the jobs it enqueues, carries it; counts and times
 * requests by route for /metrics.
 */
const observe: Handle = async ({ event, resolve }) => {
	const given = event.request.headers.get('x-request-id');
	const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
	const started = performance.now();
	return withRequestId(requestId, async () => {
		let status = 500;
		try {
			const response = await resolve(event);
			status = response.status;
			response.headers.set('X-Request-Id', requestId);
			return response;
		} finally {
			const route = event.route.id ?? 'unmatched';
			const method = event.request.method;
			const seconds = (performance.now() - started) / 1000;
			metrics.httpRequests.inc({ route, method, status: String(status) });
			metrics.httpDuration.observe({ route, method }, seconds);
			logger.debug('request', { route, method, status, ms: Math.round(seconds * 1000) });
		}
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
	if (event.url.protocol === 'https:')
		h.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
	if (event.locals.user && !h.has('Cache-Control')) h.set('Cache-Control', 'private, no-store');
	// The SCORM player frames package content, which is only ever served from the content origin.
	const csp = h.get('Content-Security-Policy');
	if (csp && event.route.id?.startsWith('/(learner)/scorm/'))
		h.set('Content-Security-Policy', `${csp}; frame-src ${scormSettings().contentOrigin}`);
	return response;
};

/** Cross-site form posts are refused (SvelteKit's check, moved here to exempt the SAML ACS). */
const originCheck: Handle = async ({ event, resolve }) => {
	if (crossSiteFormRefused(event.request, event.url)) {
		const message = `Cross-site ${event.request.method} form submissions are forbidden`;
		if (event.request.headers.get('accept') === 'application/json')
			return Response.json({ message }, { status: 403 });
		return new Response(message, { status: 403 });
	}
	return resolve(event);
};

/**
 * Reads the session cookie. While the database is unreachable every request is answered a friendly
 * 503 at once (JSON for the SCORM runtime, which retries), also those already waiting on it.
 */
const session: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.session = null;
	const breaker = availability();
	if (breaker.down) return unavailableResponse(event.request, event.url);
	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		try {
			// Raced like the page below: a lookup waiting on a lost connection must not hold the
			// request for the driver's connect timeout once anyone has seen the database go.
			const result = await breaker.race(validateSessionToken(db(), token));
			if (result === DOWN) return unavailableResponse(event.request, event.url);
			if (result) {
				event.locals.user = result.user;
				event.locals.session = result.session;
				// Only when the expiry slid forward (at most hourly): no Set-Cookie on every response.
				if (result.session.renewed)
					event.cookies.set(
						SESSION_COOKIE,
						token,
						sessionCookieOptions(event.url, result.session.expiresAt)
					);
			} else {
				event.cookies.delete(SESSION_COOKIE, sessionCookieOptions(event.url));
			}
		} catch (e) {
			if (breaker.report(e)) return unavailableResponse(event.request, event.url);
			throw e;
		}
	}
	const response = await breaker.race(Promise.resolve(resolve(event)));
	if (response === DOWN || event.locals.databaseUnavailable)
		return unavailableResponse(event.request, event.url);
	return response;
};

/** Input no route can use (NUL or bad %-encoding in the address, `?/default`) is refused here with a clear 4xx. */
const boundary: Handle = async ({ event, resolve }) => {
	const problem = requestProblem(event.request.method, event.url);
	if (problem) {
		logger.info('request refused', {
			method: event.request.method,
			status: problem.status,
			reason: problem.message
		});
		return new Response(problem.message, {
			status: problem.status,
			headers: { 'content-type': 'text/plain; charset=utf-8' }
		});
	}
	return resolve(event);
};

/**
 * For a path it cannot decode, SvelteKit runs the hooks outside its own error handling, so anything
 * a handle threw there would be an unhandled rejection that ends the process. Answer it here.
 */
const undecodablePath: Handle = async ({ event, resolve }) => {
	if (event.route.id !== null) return resolve(event);
	try {
		return await resolve(event);
	} catch (e) {
		if (isRedirect(e))
			return new Response(null, { status: e.status, headers: { location: e.location } });
		const status = isHttpError(e) ? e.status : 500;
		if (status >= 500)
			logger.error('unhandled server error', {
				route: null,
				error: e instanceof Error ? `${e.name}: ${e.message}` : String(e)
			});
		return new Response(
			isHttpError(e) ? e.body.message : 'Sorry, something went wrong on our side.',
			{ status, headers: { 'content-type': 'text/plain; charset=utf-8' } }
		);
	}
};

/** The route-permissions table in $lib/server/auth/permissions decides; this only enforces it. */
const routeGuard: Handle = async ({ event, resolve }) => {
	const verdict = mayReach(event.locals.user, event.route.id);
	if (verdict === 'sign-in') {
		if (event.request.method !== 'GET') error(401, 'Sign in to continue.');
		// An address too long to carry back (it would overflow the Location header) starts from home instead.
		const next = event.url.pathname + event.url.search;
		redirect(303, next.length <= 1000 ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in');
	}
	if (verdict === 'forbidden') error(403, 'You do not have permission to see this page.');
	return resolve(event);
};

export const handle = sequence(
	undecodablePath,
	observe,
	securityHeaders,
	boundary,
	originCheck,
	session,
	routeGuard
);

export const handleError: HandleServerError = ({ error: err, event, status, message }) => {
	if (availability().report(err)) {
		event.locals.databaseUnavailable = true;
		logger.warn('database unreachable', { route: event.route.id, method: event.request.method });
		return {
			message: 'The service is temporarily unavailable. Please try again in a few minutes.'
		};
	}
	if (status === 404) return { message };
	// A refused request (405, 413, 415 ... from the framework) is the client's problem, not ours.
	if (status < 500) {
		logger.info('request refused', {
			route: event.route.id,
			method: event.request.method,
			status,
			reason: message
		});
		return { message };
	}
	const reference = randomToken(5);
	logger.error('unhandled server error', {
		reference,
		route: event.route.id,
		method: event.request.method,
		status,
		error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
		cause:
			err instanceof Error && err.cause
				? String((err.cause as { message?: unknown }).message ?? err.cause)
				: undefined,
		stack: err instanceof Error ? err.stack?.split('\n').slice(0, 6).join(' | ') : undefined
	});
	return { message: 'Sorry, something went wrong on our side. Please try again.', reference };
};
