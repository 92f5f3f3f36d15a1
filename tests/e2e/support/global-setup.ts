import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../../src/lib/server/db/client.ts';
import { hashPassword } from '../../../src/lib/server/auth/password.ts';
import { createPostgresDatabase, migrateAndSeed, serverUrl } from '../../helpers/test-db.ts';
import { makePerson } from '../../helpers/people.ts';
import { E2E_PORT, startServer } from './server.ts';
import { PASSWORD, WORLD, type WorldKey } from './world.ts';

/**
 * One database and one built server for the whole end-to-end run: PostgreSQL when
 * TEST_DATABASE_URL/DATABASE_URL is set, the embedded database otherwise.
 */
export default async function globalSetup() {
	const pg = serverUrl ? await createPostgresDatabase() : undefined;
	const dataDir = pg ? '' : fs.mkdtempSync(path.join(os.tmpdir(), 'safer-learning-e2e-'));
	const handle = await openDatabase({ databaseUrl: pg?.url, dataDir });
	if (!pg) await migrateAndSeed(handle);
	const ids = {} as Record<WorldKey, string>;
	const passwordHash = await hashPassword(PASSWORD);
	for (const [key, spec] of Object.entries(WORLD) as [WorldKey, (typeof WORLD)[WorldKey]][]) {
		ids[key] = (await makePerson(handle.db, { ...spec, password: passwordHash })).id;
	}
	await handle.close();
	process.env.E2E_WORLD_IDS = JSON.stringify(ids);
	process.env.E2E_DATABASE_URL = pg?.url ?? '';

	const server = await startServer(pg ? { DATABASE_URL: pg.url } : { DATA_DIR: dataDir }, E2E_PORT);
	return async () => {
		await server.stop();
		if (process.env.E2E_SERVER_LOG) fs.writeFileSync(process.env.E2E_SERVER_LOG, server.output());
		await pg?.drop();
		if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
	};
}
