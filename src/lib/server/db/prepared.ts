import type { Query, SQL } from 'drizzle-orm';
import { rowsOf } from './migrate.ts';
import type { Db } from './types.ts';

/**
 * A query built once per database handle and prepared (drizzle `.prepare(name)` with
 * `sql.placeholder`), for the few queries every page runs: drizzle then neither rebuilds its SQL
 * nor has PostgreSQL plan it again on each request.
 */
export function preparedPerDb<T>(build: (db: Db) => T): (db: Db) => T {
	const byDb = new WeakMap<Db, T>();
	return (db) => {
		let query = byDb.get(db);
		if (!query) {
			query = build(db);
			byDb.set(db, query);
		}
		return query;
	};
}

/**
 * Items as one array parameter (a PostgreSQL array literal, each item quoted), for
 * `= any(${placeholder}::text[])` or `::uuid[]`: one prepared text whatever the number of items.
 */
export const arrayLiteral = (items: readonly string[]) =>
	`{${items.map((t) => `"${t.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

/** What drizzle's own `db.execute` uses (marked internal in its types): build, then prepare. */
interface ExecuteInternals {
	dialect: { sqlToQuery(sql: SQL): Query };
	session: {
		prepareQuery(
			query: Query,
			fields: undefined,
			name: string,
			isResponseInArrayMode: boolean
		): { execute(values: Record<string, unknown>): Promise<unknown> };
	};
}

/**
 * A raw SQL query (`sql.placeholder` for its values) turned into text once per database handle and
 * prepared under `name`, for the queries behind the pages learners and managers load most: the
 * same as `rowsOf(await db.execute(sql...))`, without drizzle walking the template on every call.
 */
export function preparedSql<Row, Values extends Record<string, unknown>>(
	name: string,
	query: SQL
): (db: Db, values: Values) => Promise<Row[]> {
	const forDb = preparedPerDb((db) => {
		const internals = db as unknown as ExecuteInternals;
		return internals.session.prepareQuery(
			internals.dialect.sqlToQuery(query),
			undefined,
			name,
			false
		);
	});
	return async (db, values) => rowsOf<Row>(await forDb(db).execute(values));
}

/**
 * preparedSql for a query whose text has a few shapes (which optional parts it has), each built
 * and prepared once, the first time it is asked for: `build(shape)` must depend on the shape alone,
 * with every value a placeholder. Shapes are few by construction (a handful of booleans).
 */
export function preparedSqlShapes<
	Shape extends Record<string, boolean>,
	Row,
	Values extends Record<string, unknown>
>(
	name: string,
	build: (shape: Shape) => SQL
): (db: Db, shape: Shape, values: Values) => Promise<Row[]> {
	const byShape = new Map<string, ReturnType<typeof preparedSql<Row, Values>>>();
	return (db, shape, values) => {
		const key = Object.entries(shape)
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([k, v]) => `${k}${v ? 1 : 0}`)
			.join('_');
		let query = byShape.get(key);
		if (!query) {
			query = preparedSql<Row, Values>(`${name}_${key}`, build(shape));
			byShape.set(key, query);
		}
		return query(db, values);
	};
}
