import { sql } from 'drizzle-orm';
import type { Db } from './types.ts';
import { rowsOf } from './migrate.ts';

/**
 * Inserts many rows as one JSON parameter (`json_to_recordset`): for thousands of rows this is far
 * cheaper than a statement with a parameter per value, for the client and for PostgreSQL. Table,
 * column and type names come from the code, never from input.
 */
export async function insertMany<R extends Record<string, unknown>>(
	db: Db,
	table: string,
	columns: Record<keyof R & string, string>,
	rows: R[],
	returning?: string
): Promise<Record<string, unknown>[]> {
	if (!rows.length) return [];
	const names = Object.keys(columns);
	const list = names.map((n) => `"${n}"`).join(', ');
	const types = names.map((n) => `"${n}" ${columns[n as keyof R & string]}`).join(', ');
	const result = await db.execute(
		sql`insert into ${sql.raw(`"${table}"`)} (${sql.raw(list)}) select ${sql.raw(list)} from json_to_recordset(${JSON.stringify(rows)}::json) as v(${sql.raw(types)}) ${sql.raw(returning ? `returning ${returning}` : '')}`
	);
	return rowsOf<Record<string, unknown>>(result);
}
