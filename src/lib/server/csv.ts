/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF, a leading BOM. */
export class CsvError extends Error {}

export function parseCsv(text: string, maxRows = 10_000): string[][] {
	const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	let line = 1;
	for (let i = 0; i < input.length; i++) {
		const c = input[i]!;
		if (quoted) {
			if (c === '"') {
				if (input[i + 1] === '"') {
					field += '"';
					i++;
				} else quoted = false;
			} else {
				if (c === '\n') line++;
				field += c;
			}
			continue;
		}
		if (c === '"' && field === '') quoted = true;
		else if (c === ',') {
			row.push(field);
			field = '';
		} else if (c === '\n' || c === '\r') {
			if (c === '\r' && input[i + 1] === '\n') i++;
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			line++;
			if (rows.length > maxRows)
				throw new CsvError(`The file has more than ${maxRows} rows. Split it into smaller files.`);
		} else field += c;
	}
	if (quoted)
		throw new CsvError(
			`A quoted value that starts on or before line ${line} is never closed. Check the quotation marks.`
		);
	if (field !== '' || row.length) {
		row.push(field);
		rows.push(row);
	}
	return rows.filter((r) => r.some((cell) => cell.trim() !== ''));
}

/**
 * One CSV cell. Cells that a spreadsheet would run as a formula (= + - @, tab, carriage return)
 * get a leading apostrophe, so an export cannot attack whoever opens it.
 */
export function csvCell(value: unknown): string {
	let text =
		value === null || value === undefined
			? ''
			: value instanceof Date
				? value.toISOString()
				: String(value);
	if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: unknown[]): string {
	return values.map(csvCell).join(',') + '\r\n';
}
