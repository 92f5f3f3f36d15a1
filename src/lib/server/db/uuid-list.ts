import { sql } from 'drizzle-orm';

/** Ids as a list of uuid parameters, for `column in (${uuidList(ids)})`; the caller handles none. */
export const uuidList = (ids: readonly string[]) =>
	sql.join(
		ids.map((id) => sql`${id}::uuid`),
		sql`, `
	);
