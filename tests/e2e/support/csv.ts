import { parseCsv } from '../../../src/lib/server/csv.ts';

/** Parses a downloaded CSV (dropping the UTF-8 BOM) into rows of cells. */
export function parseCsvForTest(text: string): string[][] {
	return parseCsv(text);
}
