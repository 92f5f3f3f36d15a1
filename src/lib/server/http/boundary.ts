/**
 * Checks at the boundary, for input no form or endpoint can use, so that it is refused with a clear
 * 4xx before it reaches SQL (PostgreSQL refuses NUL in text, and lone UTF-16 surrogates in JSON)
 * or a framework corner (SvelteKit throws on `?/default`).
 */

/** A NUL, or half of a UTF-16 surrogate pair on its own. */

// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL cannot store
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasUnstorableText(text: string): boolean {
	return UNSTORABLE.test(text);
}

export function requestProblem(
	method: string,
	url: URL
): { status: number; message: string } | null {
	let path: string;
	try {
		path = decodeURIComponent(url.pathname);
	} catch {
		return { status: 400, message: 'The address is not valid.' };
	}
	if (hasUnstorableText(path)) return { status: 400, message: 'The address is not valid.' };
	for (const [key, value] of url.searchParams) {
		if (hasUnstorableText(key) || hasUnstorableText(value))
			return { status: 400, message: 'The address is not valid.' };
		// `?/default` is reserved by SvelteKit, which throws on it; no form of ours posts to it.
		if (method === 'POST' && key === '/default')
			return { status: 404, message: 'There is no such form action.' };
	}
	return null;
}

/** True when the JSON text nests arrays or objects deeper than `maxDepth` (scanned, not parsed). */
export function jsonTooDeep(text: string, maxDepth: number): boolean {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 92 /* \ */) i++;
			else if (c === 34 /* " */) inString = false;
		} else if (c === 34) inString = true;
		else if (c === 91 /* [ */ || c === 123 /* { */) {
			if (++depth > maxDepth) return true;
		} else if (c === 93 || c === 125) depth--;
	}
	return false;
}

/** Any string (key or value) in a parsed JSON value that could not be stored. */
export function jsonHasUnstorableText(value: unknown, depth = 0): boolean {
	if (depth > 64) return true;
	if (typeof value === 'string') return hasUnstorableText(value);
	if (Array.isArray(value)) return value.some((v) => jsonHasUnstorableText(v, depth + 1));
	if (value && typeof value === 'object')
		return Object.entries(value).some(
			([k, v]) => hasUnstorableText(k) || jsonHasUnstorableText(v, depth + 1)
		);
	return false;
}
