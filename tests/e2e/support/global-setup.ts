import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../../src/lib/server/db/client.ts';
import { hashPassword } from '../../../src/lib/server/auth/password.ts';
import { createPostgresDatabase, migrateAndSeed, serverUrl } from '../../helpers/test-db.ts';
import { makePerson } from '../../helpers/people.ts';
import { markLessonsDone } from '../../helpers/lessons.ts';
import { loadCatalogueFromDisk } from '../../../src/lib/server/courses/content-disk.ts';
import { registerCourses } from '../../../src/lib/server/courses/register.ts';
import { E2E_PORT, startServer } from './server.ts';
import { PASSWORD, WORLD, type WorldKey } from './world.ts';
import { SP_CERT_FILE, SP_KEY_FILE } from './idps.ts';

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
	// Courses are registered here as at start-up (ids stay stable), so people can start part-way through.
	const catalogue = loadCatalogueFromDisk(path.resolve(import.meta.dirname, '../../../content'));
	await registerCourses(handle.db, catalogue);
	for (const [key, spec] of Object.entries(WORLD) as [WorldKey, (typeof WORLD)[WorldKey]][]) {
		const { lessonsDone, ...person } = { lessonsDone: [] as readonly string[], ...spec };
		const made = await makePerson(handle.db, { ...person, password: passwordHash });
		ids[key] = made.id;
		for (const slug of lessonsDone)
			await markLessonsDone(handle.db, made.id, made.audience, catalogue.get(slug)!);
	}
	await handle.close();
	process.env.E2E_WORLD_IDS = JSON.stringify(ids);
	process.env.E2E_DATABASE_URL = pg?.url ?? '';

	// Single sign-on tests: provider secrets are sealed with the key secret (startServer gives every
	// server the same one, so servers sharing this database all unlock its keys); the test providers
	// are on http loopback; SAML requests are signed with the test service-provider pair.
	const sso = {
		SSO_ALLOW_HTTP_LOOPBACK: '1',
		SAML_SP_PRIVATE_KEY: SP_KEY_FILE,
		SAML_SP_CERTIFICATE: SP_CERT_FILE
	};
	const server = await startServer(
		pg ? { DATABASE_URL: pg.url, ...sso } : { DATA_DIR: dataDir, ...sso },
		E2E_PORT
	);
	// The server's log, as it is written, for tests that check what an operator would read.
	const logFile = path.join(os.tmpdir(), `safer-learning-e2e-${E2E_PORT}-${process.pid}.log`);
	fs.writeFileSync(logFile, server.output());
	server.process.stdout!.on('data', (d: Buffer) => fs.appendFileSync(logFile, d));
	process.env.E2E_SERVER_LOG_FILE = logFile;
	return async () => {
		await server.stop();
		if (process.env.E2E_SERVER_LOG) fs.writeFileSync(process.env.E2E_SERVER_LOG, server.output());
		fs.rmSync(logFile, { force: true });
		await pg?.drop();
		if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
	};
}
