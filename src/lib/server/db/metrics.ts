import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from './client.ts';
import { rowsOf } from './migrate.ts';
import { metrics, onScrape } from '../metrics.ts';

/**
 * This instance's database connections at scrape time: the pool's maximum, and its open
 * connections by state, read from pg_stat_activity by the application name each instance gives
 * its connections (see client.ts).
 */
export function registerDatabaseMetrics(
	handle: DatabaseHandle,
	applicationName: string
): () => void {
	return onScrape(async () => {
		if (handle.raw.kind !== 'postgres') {
			metrics.dbPool.set({ state: 'max' }, 1);
			return;
		}
		metrics.dbPool.set({ state: 'max' }, Number(process.env.DATABASE_POOL_SIZE ?? 10));
		const rows = rowsOf<{ state: string | null; n: number }>(
			await handle.db.execute(
				sql`select state, count(*)::int as n from pg_stat_activity where application_name = ${applicationName} group by state`
			)
		);
		for (const state of ['active', 'idle', 'idle in transaction'])
			metrics.dbPool.set({ state }, rows.find((r) => r.state === state)?.n ?? 0);
	});
}
