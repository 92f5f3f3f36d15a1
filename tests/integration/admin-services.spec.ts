import { afterAll, beforeAll, expect, it } from 'vitest';
import { testDatabase, makePerson } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { listOutbox, queueEmail } from '../../src/lib/server/email/mailer.ts';
import { listAudit } from '../../src/lib/server/audit/service.ts';
import { listContacts } from '../../src/lib/server/partnership/contacts.ts';
import { ForbiddenError } from '../../src/lib/server/errors.ts';

/** The admin services check their actor themselves, whatever route (or script) calls them. */
let t: TestDatabase;
let admin: AuthUser;
let manager: AuthUser;
let learner: AuthUser;

beforeAll(async () => {
	t = await testDatabase();
	admin = await makePerson(t.db, { email: 'admin@services.example', isAdmin: true });
	manager = await makePerson(t.db, {
		email: 'manager@services.example',
		manages: ['west-yorkshire-police']
	});
	learner = await makePerson(t.db, { email: 'learner@services.example' });
	await queueEmail(t.db, {
		to: 'someone@services.example',
		subject: 'Reset your password',
		body: 'https://learning.example/reset-password/secret-token'
	});
});
afterAll(() => t?.close());

it('the outbox (live reset links), audit log and contacts answer admins only', async () => {
	const services = [
		(actor: AuthUser) => listOutbox(t.db, actor, 1, 20),
		(actor: AuthUser) => listAudit(t.db, actor, { page: 1, pageSize: 20 }),
		(actor: AuthUser) => listContacts(t.db, actor)
	];
	for (const service of services) {
		for (const actor of [manager, learner])
			await expect(service(actor)).rejects.toBeInstanceOf(ForbiddenError);
		await expect(service(admin)).resolves.toBeTruthy();
	}
	expect((await listOutbox(t.db, admin, 1, 20)).rows.map((r) => r.subject)).toContain(
		'Reset your password'
	);
});
