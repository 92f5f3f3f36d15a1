// `npm run demo:seed -- --learners N`: fills the database (DATABASE_URL, or the embedded one under
// DATA_DIR) with synthetic people, requirements and progress. Refuses if real people exist.
import { readConfig } from '../src/lib/server/config.ts';
import { openDatabase } from '../src/lib/server/db/client.ts';
import { migrate } from '../src/lib/server/db/migrate.ts';
import { readPartnershipFile } from '../src/lib/server/partnership/seed-file.ts';
import { seedPartnership } from '../src/lib/server/partnership/service.ts';
import { registerCourses } from '../src/lib/server/courses/register.ts';
import { loadCatalogueFromDisk } from '../src/lib/server/courses/content-disk.ts';
import { RealDataError, seedDemo } from '../src/lib/server/demo/seed.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--learners');
const learners = at >= 0 ? Number(args[at + 1]) : 2000;
if (!Number.isInteger(learners) || learners < 1 || learners > 200_000) {
	console.error('Usage: npm run demo:seed -- --learners N   (N from 1 to 200000)');
	process.exit(2);
}
const config = readConfig();
const handle = await openDatabase(config);
try {
	await migrate(handle.db, config.migrationsDir);
	await seedPartnership(handle.db, readPartnershipFile(config.contentDir));
	await registerCourses(handle.db, loadCatalogueFromDisk(config.contentDir));
	const started = performance.now();
	const accounts = await seedDemo(handle.db, learners);
	console.log(
		`Seeded ${learners} demo learners in ${((performance.now() - started) / 1000).toFixed(1)} s.`
	);
	console.log(`Demo admin:   ${accounts.admin.email}  password: ${accounts.admin.password}`);
	console.log(
		`Demo manager: ${accounts.manager.email}  password: ${accounts.manager.password}  (manages ${accounts.manager.organisation})`
	);
} catch (error) {
	if (error instanceof RealDataError) {
		console.error(error.message);
		process.exitCode = 1;
	} else throw error;
} finally {
	await handle.close();
}
