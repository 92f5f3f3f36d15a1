/** Verification pages are for people holding a code, not for search engines; results change, so never cached. */
export const VERIFY_HEADERS = {
	'X-Robots-Tag': 'noindex, nofollow, noarchive',
	'Cache-Control': 'no-store'
} as const;
