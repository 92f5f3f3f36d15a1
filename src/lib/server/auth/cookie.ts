/** HttpOnly, SameSite=Lax, Secure whenever served over HTTPS (always, in production behind TLS). */
export function sessionCookieOptions(url: URL, expires?: Date) {
	return {
		path: '/',
		httpOnly: true,
		sameSite: 'lax' as const,
		secure: url.protocol === 'https:',
		...(expires ? { expires } : {})
	};
}
