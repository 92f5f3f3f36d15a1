import { describe, expect, it } from 'vitest';
import { fleschReadingEase, plainText, syllables } from '../helpers/readability.ts';

/** The measure the community path is held to (60+) must itself be right on texts of known score. */
describe('Flesch reading ease', () => {
	it('counts syllables as a dictionary would', () => {
		const known: Record<string, number> = {
			cat: 1,
			the: 1,
			mat: 1,
			creature: 2,
			platypus: 3,
			neighbour: 2,
			readability: 5,
			exploitation: 4,
			vulnerable: 4
		};
		for (const [word, count] of Object.entries(known)) expect(syllables(word), word).toBe(count);
	});
	it('scores the textbook examples as published', () => {
		// Flesch (1948) and every textbook since: "The cat sat on the mat." is about 116.
		expect(fleschReadingEase('The cat sat on the mat.')).toBeCloseTo(116.1, 0);
		// 13 words, 1 sentence; 24 to 26 syllables depending on "Australian" and "reptilian": 24 to 37.5.
		const platypus = fleschReadingEase(
			'The Australian platypus is seemingly a hybrid of a mammal and reptilian creature.'
		);
		expect(platypus).toBeGreaterThan(20);
		expect(platypus).toBeLessThan(40);
	});
	it('puts plain guidance above 60 and dense legal text below 30', () => {
		const plain =
			'If you are worried about a child, tell someone the same day. You do not need proof. Write down what you saw and heard.';
		const legal =
			'Notwithstanding the foregoing provisions, the relevant authority shall, where it considers it necessary and proportionate, exercise the aforementioned statutory powers consequential upon the determination.';
		expect(fleschReadingEase(plain)).toBeGreaterThan(80);
		expect(fleschReadingEase(legal)).toBeLessThan(30);
	});
	it('reads lesson markup as the learner reads it: components, links and phone numbers stripped', () => {
		const text = plainText(
			'## Who to tell\n\n<Callout kind="key" title="Key">Tell [your lead](https://www.gov.uk/x) today.</Callout>\n\nCall 0808 2000 247.'
		);
		expect(text).not.toMatch(/Callout|https|0808/);
		expect(text).toContain('your lead');
	});
});
