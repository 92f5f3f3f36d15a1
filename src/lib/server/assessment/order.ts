import { createHash } from 'node:crypto';

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** Uniform in [0, 1) from the platform CSPRNG: learners cannot predict an assessment's draw. */
export const secureRandom: Random = () => {
	const buffer = new Uint32Array(1);
	crypto.getRandomValues(buffer);
	return buffer[0]! / 2 ** 32;
};

/** Fisher–Yates over a copy. */
export function shuffle<T>(items: readonly T[], random: Random): T[] {
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[out[i], out[j]] = [out[j]!, out[i]!];
	}
	return out;
}

/** A repeatable generator (mulberry32) from a 32-bit seed. */
export function seededRandom(seed: number): Random {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
	};
}

/**
 * The order one learner sees the choices of one item in (a knowledge check, a scenario step):
 * order[displayIndex] = index in the file. Derived from the learner and the item, so it is the
 * same on every reload and after a failed submission, differs between learners, and needs no
 * write on a GET. It is not a secret: the course text is public; it only stops "always pick the
 * first" from working, and grading happens on the server either way.
 */
export function learnerOrder(learnerId: string, itemKey: string, count: number): number[] {
	const digest = createHash('sha256').update(`${learnerId}\u0000${itemKey}`).digest();
	return shuffle(
		Array.from({ length: count }, (_, i) => i),
		seededRandom(digest.readUInt32LE(0))
	);
}
