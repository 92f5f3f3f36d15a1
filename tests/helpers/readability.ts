/**
 * Flesch reading ease for lesson prose: 206.835 − 1.015 × (words per sentence) − 84.6 × (syllables
 * per word). Markup is stripped first; syllables are counted by vowel groups with the usual
 * English adjustments (silent final e, -le, -ed), which is accurate to a few points.
 */
export function plainText(svx: string): string {
	return svx
		.replace(/<script[\s\S]*?<\/script>/g, ' ')
		.replace(/<Term\s+definition="[^"]*">([\s\S]*?)<\/Term>/g, '$1')
		.replace(/<[^>]+>/g, ' ')
		.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
		.replace(/https?:\/\/\S+/g, ' ')
		.replace(/[#*_`>|]/g, ' ')
		.replace(/\b\d[\d\s]{4,}\d\b/g, ' ') // phone numbers
		.replace(/^\s*[-+]\s+/gm, '')
		.replace(/\n{2,}/g, '.\n');
}

export function syllables(word: string): number {
	let w = word.toLowerCase().replace(/[^a-z]/g, '');
	if (!w) return 0;
	if (w.length <= 3) return 1;
	w = w.replace(/(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$/, '').replace(/^y/, '');
	const groups = w.match(/[aeiouy]{1,2}/g);
	return Math.max(1, groups?.length ?? 1);
}

export function fleschReadingEase(text: string): number {
	const sentences = text.split(/[.!?:;]+(?:\s|$)|\n/).filter((s) => /[a-z]/i.test(s));
	const words = text.match(/[A-Za-z][A-Za-z'’-]*/g) ?? [];
	if (!sentences.length || !words.length) return 100;
	const syl = words.reduce((n, w) => n + syllables(w), 0);
	return 206.835 - 1.015 * (words.length / sentences.length) - 84.6 * (syl / words.length);
}
