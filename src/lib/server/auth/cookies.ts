import type { Cookies } from '@sveltejs/kit';
import { SESSION_COOKIE } from './sessions.ts';
import { sessionCookieOptions } from './cookie.ts';

export function setSessionCookie(
	cookies: Cookies,
	url: URL,
	session: { token: string; expiresAt: Date }
) {
	cookies.set(SESSION_COOKIE, session.token, sessionCookieOptions(url, session.expiresAt));
}

/** Only same-site paths, so a crafted link cannot bounce someone elsewhere after signing in. */
export function safeNext(next: string | null): string {
	// Browsers drop tabs and newlines and read backslashes as slashes: refuse them all outright.
	const refused = (c: string) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 || c === '\\';
	if (!next || !next.startsWith('/') || [...next].some(refused)) return '/';
	const url = new URL(next, 'http://same.invalid');
	if (url.origin !== 'http://same.invalid') return '/';
	// Dot segments resolve away (`/.//x`, `/%2e//x`, `/a/..//x` become `//x`), and a Location of
	// `//x` is another site: the path we answer must itself be a same-origin path, checked again.
	const path = url.pathname + url.search + url.hash;
	if (
		path.startsWith('//') ||
		new URL(path, 'http://same.invalid').origin !== 'http://same.invalid'
	)
		return '/';
	return path;
}
