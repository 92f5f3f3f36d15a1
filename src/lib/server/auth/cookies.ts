import type { Cookies } from '@sveltejs/kit';
import { SESSION_COOKIE } from './sessions.ts';
import { sessionCookieOptions } from './cookie.ts';

export function setSessionCookie(cookies: Cookies, url: URL, session: { token: string; expiresAt: Date }) {
	cookies.set(SESSION_COOKIE, session.token, sessionCookieOptions(url, session.expiresAt));
}

/** Only same-site paths, so a crafted link cannot bounce someone elsewhere after signing in. */
export function safeNext(next: string | null): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
	return next;
}
