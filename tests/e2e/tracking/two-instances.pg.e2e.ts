import { expect, test, type Browser } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { createPostgresDatabase } from '../../helpers/test-db.ts';
import { makePerson, orgId, TEST_PASSWORD } from '../../helpers/people.ts';
import { extraPort, startServer } from '../support/server.ts';
import { fillDateInput } from '../support/helpers.ts';
import { openDatabase } from '../../../src/lib/server/db/client.ts';
import { loadCatalogueFromDisk } from '../../../src/lib/server/courses/content-disk.ts';
import { registerCourses } from '../../../src/lib/server/courses/register.ts';
import { createRequirement } from '../../../src/lib/server/tracking/service.ts';
import { courses } from '../../../src/lib/server/db/schema.ts';

async function signedIn(browser: Browser, base: string, email: string) {
	const context = await browser.newContext({ baseURL: base });
	const page = await context.newPage();
	await page.goto('/sign-in', { waitUntil: 'networkidle' });
	await page.getByLabel('Email address').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
	return page;
}

/**
 * Two instances of the built app on one PostgreSQL database: training recorded through one is on
 * the other's dashboards and the learner's home at their next page load (nothing cached per instance).
 */
test('a change on one instance shows on the other at the next page load', async ({ browser }) => {
	test.setTimeout(120_000);
	const database = await createPostgresDatabase();
	const handle = await openDatabase({ databaseUrl: database.url, dataDir: '' });
	await registerCourses(handle.db, loadCatalogueFromDisk('content'));
	const [course] = await handle.db.select().from(courses).where(eq(courses.slug, 'signs-of-abuse'));
	const admin = await makePerson(handle.db, {
		email: 'admin@inst.example',
		isAdmin: true,
		organisationKey: 'kirklees-council'
	});
	await makePerson(handle.db, {
		email: 'inspector@inst.example',
		manages: ['west-yorkshire-police']
	});
	const officer = await makePerson(handle.db, {
		email: 'officer@inst.example',
		name: 'Olu Officer'
	});
	await createRequirement(handle.db, admin, {
		courseId: course!.id,
		organisationId: await orgId(handle.db, 'west-yorkshire-police'),
		audience: 'frontline',
		dueWithinDays: '30'
	});
	await handle.close();
	const env = { DATABASE_URL: database.url, JOBS_DISABLED: 'true', CONTENT_SERVER: 'off' };
	const [a, b] = await Promise.all([
		startServer(env, extraPort(50)),
		startServer(env, extraPort(51))
	]);
	try {
		const baseA = `http://127.0.0.1:${extraPort(50)}`;
		const baseB = `http://127.0.0.1:${extraPort(51)}`;
		const manager = await signedIn(browser, baseB, 'inspector@inst.example');
		const learner = await signedIn(browser, baseB, 'officer@inst.example');
		await manager.goto('/manage');
		const summary = manager.getByRole('list', { name: 'Summary' });
		await expect(summary).toContainText('0% trained (0 of 2)');
		await learner.goto('/');
		await expect(
			learner.getByRole('heading', { level: 2, name: 'Required for your role' })
		).toBeVisible();

		const recorder = await signedIn(browser, baseA, 'admin@inst.example');
		await recorder.goto(`/manage/people/${officer.id}`);
		await recorder.getByText('Record training done elsewhere').click();
		await recorder.getByLabel('Course it counts as').selectOption({ label: course!.title });
		await fillDateInput(recorder, 'Date completed', new Date().toISOString().slice(0, 10));
		await recorder.getByLabel('Evidence').fill('Face-to-face session, register signed');
		await recorder.getByRole('button', { name: 'Record completion' }).click();
		await expect(recorder.getByRole('status')).toContainText('Completion recorded');

		// The very next load on the other instance, no waiting.
		await manager.reload();
		await expect(summary).toContainText('50% trained (1 of 2)', { timeout: 1000 });
		await learner.reload();
		await expect(
			learner.getByRole('heading', { level: 2, name: 'Required for your role' })
		).toHaveCount(0, { timeout: 1000 });
	} finally {
		await Promise.all([a.stop(), b.stop()]);
		await database.drop();
	}
});
