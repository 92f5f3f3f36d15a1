import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * GOV.UK pattern: when a page shows an error summary, its <title> begins "Error: ", so a screen
 * reader user hears at once that the form came back with problems. Pages do it the one same way,
 * `<title>{errors ? 'Error: ' : ''}…`, conditioned on what they pass to <ErrorSummary>; this reads
 * the source files, so a new page with an error summary and a plain title fails here.
 */
const SRC = path.resolve(import.meta.dirname, '../../src');

function svelteFiles(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return svelteFiles(full);
		return entry.name.endsWith('.svelte') ? [full] : [];
	});
}

/** What the file passes to ErrorSummary as `errors`: `{errors}` or `errors={…}`. */
function summaryErrors(source: string): string | null {
	const tag = /<ErrorSummary\b([\s\S]*?)\/>/.exec(source);
	if (!tag) return null;
	const attrs = tag[1]!;
	if (/(^|\s)\{errors\}/.test(attrs)) return 'errors';
	const start = attrs.indexOf('errors={');
	if (start === -1) return '';
	// the braced expression, which may itself hold braces ({ form: … })
	let depth = 0;
	for (let i = start + 'errors='.length; i < attrs.length; i++) {
		if (attrs[i] === '{') depth++;
		else if (attrs[i] === '}' && --depth === 0)
			return attrs.slice(start + 'errors={'.length, i).trim();
	}
	return '';
}

/**
 * Why the file's <title> breaks the pattern, or null when it keeps it. A page must set a title; a
 * component may leave it to the page that uses it, but if it sets one it follows the pattern.
 */
function titleProblem(source: string, isPage = true): string | null {
	const errors = summaryErrors(source);
	if (errors === null) return null;
	const title = /<title\s*>([\s\S]*?)<\/title/.exec(source);
	if (!title) return isPage ? 'renders an error summary but sets no <title>' : null;
	const text = title[1]!.trim();
	const prefix = /^\{\s*(.+?)\s*\?\s*'Error: '\s*:\s*''\s*\}/.exec(text);
	if (!prefix) return `<title> does not begin {… ? 'Error: ' : ''}: ${text.slice(0, 60)}`;
	// The condition must be about the errors shown: its first name is named in the summary's
	// errors, or is derived ($derived) from what they are read from.
	const root = /^[A-Za-z_$][\w$]*/.exec(prefix[1]!)?.[0] ?? '';
	const errorsRoot = /^[A-Za-z_$][\w$]*/.exec(errors)?.[0] ?? '';
	const names = (text: string, name: string) =>
		name !== '' && new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, '\\$')}\\b`).test(text);
	const derivation =
		new RegExp(`const\\s+${root.replace(/\$/g, '\\$')}\\s*=\\s*\\$derived\\(([^;]*)\\);`).exec(
			source
		)?.[1] ?? '';
	if (!names(errors, root) && !names(derivation, errorsRoot))
		return `<title>'s Error prefix depends on "${prefix[1]}", not on the summary's errors (${errors})`;
	return null;
}

describe('the page title begins "Error: " when an error summary shows', () => {
	const files = svelteFiles(SRC).filter((f) => summaryErrors(fs.readFileSync(f, 'utf8')) !== null);
	const rel = (f: string) => path.relative(SRC, f).split(path.sep).join('/');

	it('finds the pages and components that render an error summary', () => {
		const names = files.map(rel);
		expect(names).toContain('routes/(auth)/sign-in/+page.svelte');
		expect(names).toContain('routes/(manage)/manage/events/new/+page.svelte');
		expect(names).toContain('lib/components/PersonTask.svelte');
		expect(names.length).toBeGreaterThan(25);
	});

	it('every one of them prefixes its title on the errors it shows', () => {
		const problems = files
			.map((f) => {
				const problem = titleProblem(
					fs.readFileSync(f, 'utf8'),
					path.basename(f) === '+page.svelte'
				);
				return problem && `${rel(f)}: ${problem}`;
			})
			.filter(Boolean);
		expect(problems).toEqual([]);
	});

	it('tells a plain title, a prefix on something else and the pattern apart', () => {
		const summary = `<ErrorSummary {errors} />`;
		expect(titleProblem(`<svelte:head><title>People</title></svelte:head>${summary}`)).toMatch(
			/does not begin/
		);
		expect(titleProblem(`<title>{busy ? 'Error: ' : ''}People</title>${summary}`)).toMatch(
			/depends on "busy"/
		);
		expect(titleProblem(`<title>Error: People</title>${summary}`)).toMatch(/does not begin/);
		expect(
			titleProblem(`<title\n\t>{errors ? 'Error: ' : ''}People</title\n>${summary}`)
		).toBeNull();
		expect(
			titleProblem(
				`<title>{failed ? 'Error: ' : ''}P</title><ErrorSummary errors={failed ? { form: 'x' } : undefined} />`
			)
		).toBeNull();
		expect(
			titleProblem(
				`<title>{form?.errors ? 'Error: ' : ''}P</title><ErrorSummary errors={form?.errors} />`
			)
		).toBeNull();
		expect(
			titleProblem(
				`const error = $derived(form?.errors?.[field]);<title>{error ? 'Error: ' : ''}Q</title><ErrorSummary errors={form?.errors} />`
			)
		).toBeNull();
		expect(titleProblem(`<title>People</title>`)).toBeNull(); // no summary, no rule
		expect(titleProblem(summary)).toMatch(/sets no <title>/);
		expect(titleProblem(summary, false)).toBeNull(); // a component may leave the title to its page
	});
});
