import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema.ts';

/**
 * One type for both drivers (postgres.js and PGlite) and for transactions, which extend it.
 * Queries and services take a `Db` so callers can pass a transaction.
 */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
