import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, parseCsv } from '../../src/lib/server/csv.ts';

describe('parseCsv', () => {
	it('reads quoted fields, doubled quotes, CRLF and a BOM, and drops blank lines', () => {
		const text = '\ufeffname,notes\r\n"Smith, Jo","said ""hi""\non two lines"\r\n\r\nLee,plain\n';
		expect(parseCsv(text)).toEqual([
			['name', 'notes'],
			['Smith, Jo', 'said "hi"\non two lines'],
			['Lee', 'plain']
		]);
	});
	it('refuses an unclosed quote and too many rows', () => {
		expect(() => parseCsv('a,"b\n')).toThrow(/never closed/);
		expect(() => parseCsv('a\nb\nc\nd\n', 2)).toThrow(/more than 2 rows/);
	});
});

describe('csvCell', () => {
	it('neutralises spreadsheet formulas and quotes what needs quoting', () => {
		expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
		expect(csvCell('+44 1484')).toBe("'+44 1484");
		expect(csvCell('-1')).toBe("'-1");
		expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
		expect(csvCell('a,b')).toBe('"a,b"');
		expect(csvLine(['x', null, 3])).toBe('x,,3\r\n');
	});
});
