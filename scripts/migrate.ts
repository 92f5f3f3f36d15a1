// `npm run db:migrate`: applies the migrations in drizzle/ to DATABASE_URL (or the embedded
// database under DATA_DIR) and exits. The server also does this at start-up, under the same lock.
import { readConfig } from '../src/lib/server/config.ts';
import { openDatabase } from '../src/lib/server/db/client.ts';
import { migrate } from '../src/lib/server/db/migrate.ts';

const config = readConfig();
const handle = await openDatabase(config);
try {
	const applied = await migrate(handle.db, config.migrationsDir);
	console.log(applied.length ? `Applied ${applied.join(', ')}` : 'The database is up to date.');
} finally {
	await handle.close();
}
