import { describe, expect, it } from 'vitest';
import { editDistance, nearestName } from '../../src/lib/server/nearest-name.ts';

const ORGANISATIONS = [
	'Kirklees Council',
	'West Yorkshire Police',
	'West Yorkshire Fire and Rescue Service',
	'Locala Community Partnerships',
	'Community Volunteers'
];

describe('edit distance', () => {
	it.each([
		['Kirklees Council', 'Kirklees Council', 0],
		['kirklees council', 'KIRKLEES COUNCIL', 0],
		['  Kirklees   Council ', 'Kirklees Council', 0],
		['Kirklees Counsil', 'Kirklees Council', 1],
		['Kirkless Council', 'Kirklees Council', 1],
		['Kirklees Councl', 'Kirklees Council', 1],
		['Kirklees Counciil', 'Kirklees Council', 1],
		['ab', 'ba', 1],
		['ca', 'abc', 3],
		['', 'abc', 3],
		['kitten', 'sitting', 3]
	])('%s → %s is %i', (a, b, distance) => {
		expect(editDistance(a, b)).toBe(distance);
		expect(editDistance(b, a)).toBe(distance);
	});
});

describe('nearest name', () => {
	it('suggests the existing name for a typo, whatever its case', () => {
		expect(nearestName('Kirklees Counsil', ORGANISATIONS)).toBe('Kirklees Council');
		expect(nearestName('west yorkshire polce', ORGANISATIONS)).toBe('West Yorkshire Police');
		expect(nearestName('Comunity Volunters', ORGANISATIONS)).toBe('Community Volunteers');
	});

	it('suggests nothing for a name that is not close to any', () => {
		expect(nearestName('Leeds Council', ORGANISATIONS)).toBeUndefined();
		expect(nearestName('NHS', ORGANISATIONS)).toBeUndefined();
		expect(nearestName('', ORGANISATIONS)).toBeUndefined();
		expect(nearestName('Kirklees', ORGANISATIONS)).toBeUndefined();
	});

	it('suggests nothing when two names are equally close', () => {
		expect(nearestName('Team B', ['Team A', 'Team C'])).toBeUndefined();
		expect(nearestName('Team Bx', ['Team A', 'Team Bc'])).toBe('Team Bc');
	});

	it('allows fewer edits in short names', () => {
		expect(nearestName('Hub', ['Hun'])).toBeUndefined();
		expect(nearestName('Hubs', ['Hums'])).toBe('Hums');
		expect(nearestName('Hubs', ['Hmus'])).toBeUndefined();
	});
});
