import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { DatabaseHandle } from './client.ts';

const dialect = new PgDialect();

/**
 * Reads a large result in batches: a server-side cursor on PostgreSQL, so memory stays flat
 * however many rows; on the embedded database (small, single-process installs) one read, batched.
 */
export async function* streamQuery<T>(
	handle: DatabaseHandle,
	query: SQL,
	batchSize = 1000
): AsyncGenerator<T[]> {
	const { sql: text, params } = dialect.sqlToQuery(query);
	if (handle.raw.kind === 'postgres') {
		// postgres.js types its parameters narrowly; these come from drizzle's own serialisation.
		const cursor = handle.raw.client.unsafe(text, params as never[]).cursor(batchSize);
		for await (const rows of cursor) yield rows as unknown as T[];
		return;
	}
	const result = await handle.raw.client.query<T>(text, params);
	for (let i = 0; i < result.rows.length; i += batchSize) yield result.rows.slice(i, i + batchSize);
}
