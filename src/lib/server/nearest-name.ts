/**
 * "Did you mean …?" for names people type (organisations, teams): the closest existing name by
 * edit distance, suggested only when it is close and there is no tie.
 */

/** The ends of a name and runs of spaces do not count as differences; letter case does not either. */
function normalised(text: string): string {
	return text.trim().replace(/\s+/g, ' ').toLocaleLowerCase('en-GB');
}

/**
 * Damerau-Levenshtein distance (the optimal string alignment form): the fewest insertions,
 * deletions, substitutions and swaps of two neighbouring letters that turn one text into the
 * other, ignoring case. "Counsil" → "Council" is 1; "Kirkless" → "Kirklees" is 1 (a swap).
 */
export function editDistance(a: string, b: string): number {
	const s = [...normalised(a)];
	const t = [...normalised(b)];
	// Three rows are enough: a swap looks back two rows.
	let before = new Array<number>(t.length + 1).fill(0);
	let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
	let current = new Array<number>(t.length + 1).fill(0);
	for (let i = 1; i <= s.length; i++) {
		current[0] = i;
		for (let j = 1; j <= t.length; j++) {
			const cost = s[i - 1] === t[j - 1] ? 0 : 1;
			let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
			if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
				best = Math.min(best, before[j - 2]! + 1);
			current[j] = best;
		}
		[before, previous, current] = [previous, current, before];
	}
	return previous[t.length]!;
}

/** How many edits still count as a typo rather than another name: about one in four letters, at most 3. */
function allowedEdits(length: number): number {
	if (length <= 3) return 0;
	if (length <= 6) return 1;
	if (length <= 12) return 2;
	return 3;
}

/**
 * The one existing name closest to what was typed, if it is close enough to be a typo; undefined
 * when nothing is close, or when two names are equally close (a guess could mislead).
 */
export function nearestName(typed: string, names: Iterable<string>): string | undefined {
	const wanted = normalised(typed);
	const limit = allowedEdits([...wanted].length);
	if (limit === 0) return undefined;
	let best: string | undefined;
	let bestDistance = Infinity;
	let tied = false;
	const seen = new Set<string>();
	for (const name of names) {
		const key = normalised(name);
		if (seen.has(key)) continue;
		seen.add(key);
		const distance = editDistance(wanted, key);
		if (distance < bestDistance) {
			best = name;
			bestDistance = distance;
			tied = false;
		} else if (distance === bestDistance) tied = true;
	}
	return best !== undefined && bestDistance <= limit && !tied ? best : undefined;
}
