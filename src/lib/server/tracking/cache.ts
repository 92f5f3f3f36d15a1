import { onCourseCompleted } from '../courses/completion.ts';

/**
 * Dashboard figures for a whole partnership take a few hundred milliseconds to derive; managers
 * reload them often. Results are kept briefly per scope and filter, computed once however many
 * requests arrive together, and dropped at once when this instance changes anything they depend
 * on. Other instances see a change within TTL_MS; pages show the time their figures are from.
 */
export const TTL_MS = 30_000;
const MAX_ENTRIES = 500;

let generation = 0;
const entries = new Map<string, { at: number; generation: number; value: Promise<unknown> }>();

export function trackingChanged(): void {
	generation++;
	entries.clear();
}

// Every completion, whatever its source, changes the figures.
onCourseCompleted(async () => trackingChanged());

export async function cached<T>(key: string, compute: () => Promise<T>, now = Date.now()): Promise<T> {
	const hit = entries.get(key);
	if (hit && hit.generation === generation && now - hit.at < TTL_MS) return hit.value as Promise<T>;
	// Promise.resolve: a drizzle query is a lazy thenable that would run again on every await.
	const value = Promise.resolve(compute());
	entries.set(key, { at: now, generation, value });
	// A failed computation must not be served to the next request.
	value.catch(() => {
		if (entries.get(key)?.value === value) entries.delete(key);
	});
	if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
	return value;
}
