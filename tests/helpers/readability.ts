import { flesch } from 'flesch';
import { syllable } from 'syllable';

/**
 * Flesch reading ease for lesson prose: 206.835 − 1.015 × (words per sentence) − 84.6 × (syllables
 * per word), by the `flesch` package, with syllables counted by the maintained `syllable` package
 * (a dictionary of exceptions plus English rules). Markup is stripped first.
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
	return syllable(word);
}

export function fleschReadingEase(text: string): number {
	const sentences = text.split(/[.!?:;]+(?:\s|$)|\n/).filter((s) => /[a-z]/i.test(s));
	const words = text.match(/[A-Za-z][A-Za-z'’-]*/g) ?? [];
	if (!sentences.length || !words.length) return 100;
	return flesch({
		sentence: sentences.length,
		word: words.length,
		syllable: words.reduce((n, w) => n + syllable(w), 0)
	});
}
