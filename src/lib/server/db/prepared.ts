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
