/**
 * SCORM data as the SCO sent it, stored losslessly. JavaScript strings may hold what PostgreSQL's
 * jsonb cannot: NUL and lone UTF-16 surrogates (a SCO that cuts its suspend data in the middle of
 * an emoji). Such a string, or one that starts with the marker, is stored as the marker followed by
 * its UTF-16 code units in hex, and restored exactly before it goes back to the SCO.
 */
import { hasUnstorableText } from '../http/boundary.ts';

const MARK = '\uFFFF';
const MAX_DEPTH = 12;

/** A string as it can be stored in text or jsonb. */
export function storableText(s: string): string {
	if (!s.startsWith(MARK) && !hasUnstorableText(s)) return s;
	let out = MARK;
	for (let i = 0; i < s.length; i++) out += s.charCodeAt(i).toString(16).padStart(4, '0');
	return out;
}

function decodeText(s: string): string {
	if (!s.startsWith(MARK) || (s.length - 1) % 4 !== 0) return s;
	const units: number[] = [];
	for (let i = 1; i < s.length; i += 4) {
		const unit = Number.parseInt(s.slice(i, i + 4), 16);
		if (Number.isNaN(unit)) return s;
		units.push(unit);
	}
	return String.fromCharCode(...units);
}

function map(value: unknown, text: (s: string) => string, depth: number): unknown {
	if (typeof value === 'string') return text(value);
	if (depth > MAX_DEPTH) return null;
	if (Array.isArray(value)) return value.map((v) => map(v, text, depth + 1));
	if (value && typeof value === 'object')
		return Object.fromEntries(
			Object.entries(value).map(([k, v]) => [text(k), map(v, text, depth + 1)])
		);
	return value;
}

/** The tree as it can be stored (nesting past 12 levels is dropped, as before). */
export function storableTree(value: unknown): unknown {
	return map(value, storableText, 0);
}

/** The tree as the SCO sent it. */
export function restoredTree<T>(value: T): T {
	return map(value, decodeText, 0) as T;
}
