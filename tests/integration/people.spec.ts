import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { testDatabase, makePerson, orgId, teamId } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import {
	getPerson,
	invitePerson,
	listPeople,
	peopleFilterSchema,
	setPersonStatus,
	updatePerson
} from '../../src/lib/server/people/service.ts';
import { commitImport, previewImport } from '../../src/lib/server/people/import.ts';
import { listAudit } from '../../src/lib/server/audit/service.ts';
import { assignCourse, personLearning } from '../../src/lib/server/tracking/service.ts';
import { courses } from '../../src/lib/server/db/schema.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { passwordLinkHolder, setPasswordFromLink } from '../../src/lib/server/auth/service.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../src/lib/server/errors.ts';
import { auditLog, managerOrganisations, outbox, users } from '../../src/lib/server/db/schema.ts';

let t: TestDatabase;
let admin: AuthUser;
let policeManager: AuthUser;
const ctx = { origin: 'https://learning.example', partnershipName: 'Safer Kirklees' };
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);
const filter = (input: Record<string, string> = {}) => peopleFilterSchema.parse(input);

beforeAll(async () => {
	t = await testDatabase();
	admin = await makePerson(t.db, {
		email: 'admin@safer.example',
		isAdmin: true,
		organisationKey: 'kirklees-council'
	});
	policeManager = await makePerson(t.db, {
		email: 'sergeant@wyp.example',
		manages: ['west-yorkshire-police']
	});
});
afterAll(async () => t?.close());

describe('inviting a person', () => {
	it('creates the account, emails a 7-day link and lets them set a password', async () => {
		const now = new Date();
		const { id } = await invitePerson(
			t.db,
			policeManager,
			{
				name: 'Priya Shah',
				email: 'Priya.Shah@wyp.example',
				organisationId: policeManager.managedOrganisationIds[0],
				teamId: await teamId(t.db, 'west-yorkshire-police', 'Safeguarding unit'),
				audience: 'frontline'
			},
			{ ...ctx, now }
		);
		const [mail] = await t.db
			.select()
			.from(outbox)
			.where(eq(outbox.toAddress, 'priya.shah@wyp.example'));
		expect(mail!.subject).toContain('Safer Kirklees');
		const token = /\/invite\/([a-z2-7]+)/.exec(mail!.body)![1]!;
		expect(
			await passwordLinkHolder(t.db, 'invite', token, new Date(now.getTime() + 6 * 24 * 3600_000))
		).toEqual({ name: 'Priya Shah', email: 'priya.shah@wyp.example', ssoOnly: null });
		expect(
			await passwordLinkHolder(t.db, 'invite', token, new Date(now.getTime() + 8 * 24 * 3600_000))
		).toBeNull();
		expect(
			await setPasswordFromLink(t.db, 'invite', token, {
				password: 'quiet meadow copper lamp',
				confirmPassword: 'quiet meadow copper lamp'
			})
		).not.toBeNull();
		const audit = await t.db
			.select()
			.from(auditLog)
			.where(and(eq(auditLog.targetId, id), eq(auditLog.action, 'person.invited')));
		expect(audit[0]?.actorId).toBe(policeManager.id);
	});

	it('refuses a duplicate email and explains each bad field', async () => {
		const dup = (await errorOf(
			invitePerson(
				t.db,
				admin,
				{
					name: 'X',
					email: 'sergeant@wyp.example',
					organisationId: policeManager.managedOrganisationIds[0],
					audience: 'frontline'
				},
				ctx
			)
		)) as ValidationError;
		expect(dup.fieldErrors.email).toMatch(/already has an account/);
		const bad = (await errorOf(
			invitePerson(
				t.db,
				admin,
				{
					name: '',
					email: 'not-an-email',
					organisationId: 'nope',
					audience: 'pilot',
					name2: 'x'.repeat(10_000)
				},
				ctx
			)
		)) as ValidationError;
		expect(Object.keys(bad.fieldErrors).sort()).toEqual([
			'audience',
			'email',
			'name',
			'organisationId'
		]);
	});
});

describe("a person's page (the drill-down)", () => {
	it('shows their roles, assignments, invitation and history to their manager, and to nobody outside their organisation', async () => {
		const { id } = await invitePerson(
			t.db,
			policeManager,
			{
				name: 'Dev Patel',
				email: 'dev.patel@wyp.example',
				organisationId: policeManager.managedOrganisationIds[0],
				audience: 'frontline'
			},
			ctx
		);
		await registerCourses(t.db, courseCatalogue());
		const [course] = await t.db.select().from(courses).limit(1);
		await assignCourse(t.db, policeManager, id, {
			courseId: course!.id,
			'dueAt-day': '1',
			'dueAt-month': '3',
			'dueAt-year': '2030'
		});
		const seen = await personLearning(t.db, policeManager, id);
		expect(seen.person).toMatchObject({
			name: 'Dev Patel',
			email: 'dev.patel@wyp.example',
			invited: true,
			managerOf: []
		});
		expect(seen.invitation).toEqual({ state: 'queued', error: null }); // no worker runs here
		expect(seen.assignments).toEqual([
			expect.objectContaining({ courseTitle: course!.title, dueAt: expect.any(Date) })
		]);
		expect(seen.statuses).toEqual([
			expect.objectContaining({
				courseId: course!.id,
				fromAssignment: true,
				fromRequirement: false
			})
		]);
		expect(seen.person.history.map((e) => e.action)).toEqual(
			expect.arrayContaining(['person.invited', 'assignment.created'])
		);
		expect(seen.person.history[0]!.sentence).toContain('Dev Patel');
		// the admin sees them too; a manager of another organisation, or a malformed id, finds nobody
		expect((await personLearning(t.db, admin, id)).person.id).toBe(id);
		const councilManager = await makePerson(t.db, {
			email: 'manager@kirklees.example',
			organisationKey: 'kirklees-council',
			manages: ['kirklees-council']
		});
		expect(await errorOf(personLearning(t.db, councilManager, id))).toBeInstanceOf(NotFoundError);
		expect(await errorOf(personLearning(t.db, policeManager, 'not-a-uuid'))).toBeInstanceOf(
			NotFoundError
		);
	});
});

describe("a manager's organisation scope", () => {
	it("cannot see, change, deactivate or invite another organisation's people", async () => {
		const councilOfficer = await makePerson(t.db, {
			email: 'officer@kirklees.example',
			organisationKey: 'kirklees-council'
		});
		expect(await errorOf(getPerson(t.db, policeManager, councilOfficer.id))).toBeInstanceOf(
			NotFoundError
		);
		expect(
			await errorOf(
				updatePerson(t.db, policeManager, councilOfficer.id, {
					name: 'Hacked',
					organisationId: councilOfficer.organisationId,
					audience: 'frontline',
					reason: 'because'
				})
			)
		).toBeInstanceOf(NotFoundError);
		expect(
			await errorOf(
				setPersonStatus(t.db, policeManager, councilOfficer.id, 'deactivated', 'because')
			)
		).toBeInstanceOf(NotFoundError);
		const council = await orgId(t.db, 'kirklees-council');
		expect(
			await errorOf(
				invitePerson(
					t.db,
					policeManager,
					{
						name: 'New',
						email: 'new@kirklees.example',
						organisationId: council,
						audience: 'community'
					},
					ctx
				)
			)
		).toBeInstanceOf(ForbiddenError);
		const list = await listPeople(t.db, policeManager, filter({ status: 'all' }));
		expect(list.rows.map((r) => r.email)).not.toContain('officer@kirklees.example');
		expect((await listPeople(t.db, admin, filter({ q: 'officer@kirklees' }))).rows).toHaveLength(1);
		const [unchanged] = await t.db.select().from(users).where(eq(users.id, councilOfficer.id));
		expect(unchanged!.name).toBe('officer');
	});

	it('cannot move a person into an organisation they do not manage, nor grant admin', async () => {
		const constable = await makePerson(t.db, { email: 'pc@wyp.example' });
		const council = await orgId(t.db, 'kirklees-council');
		const base = {
			name: 'PC Jones',
			organisationId: constable.organisationId,
			audience: 'frontline',
			reason: 'Promotion'
		};
		expect(
			await errorOf(
				updatePerson(t.db, policeManager, constable.id, { ...base, organisationId: council })
			)
		).toBeInstanceOf(ForbiddenError);
		expect(
			await errorOf(updatePerson(t.db, policeManager, constable.id, { ...base, isAdmin: 'on' }))
		).toBeInstanceOf(ForbiddenError);
		expect(
			await errorOf(
				updatePerson(t.db, policeManager, constable.id, { ...base, managerOf: [council] })
			)
		).toBeInstanceOf(ForbiddenError);
	});
});

describe('protecting admins', () => {
	it('a manager cannot deactivate, change or re-import a partnership admin of their own organisation', async () => {
		const policeAdmin = await makePerson(t.db, { email: 'chief@wyp.example', isAdmin: true });
		expect(
			await errorOf(
				setPersonStatus(t.db, policeManager, policeAdmin.id, 'deactivated', 'Lock them out')
			)
		).toBeInstanceOf(ForbiddenError);
		expect(
			await errorOf(
				updatePerson(t.db, policeManager, policeAdmin.id, {
					name: 'Renamed',
					organisationId: policeAdmin.organisationId,
					audience: 'frontline',
					isAdmin: 'on',
					reason: 'because'
				})
			)
		).toBeInstanceOf(ForbiddenError);
		const preview = await previewImport(
			t.db,
			policeManager,
			'name,email,organisation,audience\nRenamed,chief@wyp.example,West Yorkshire Police,community\n'
		);
		expect(preview.rows[0]!.errors).toContainEqual({
			column: 'email',
			message: 'This email address belongs to an account you cannot change'
		});
		const [still] = await t.db.select().from(users).where(eq(users.id, policeAdmin.id));
		expect(still).toMatchObject({ status: 'active', name: 'chief' });
	});
});

describe('changing roles, organisation and status', () => {
	it('records who, what and why in the audit log and keeps deactivated people', async () => {
		const person = await makePerson(t.db, { email: 'mover@example.org', organisationKey: 'wyfrs' });
		const council = await orgId(t.db, 'kirklees-council');
		const noReason = (await errorOf(
			updatePerson(t.db, admin, person.id, {
				name: 'Mover',
				organisationId: council,
				audience: 'community'
			})
		)) as ValidationError;
		expect(noReason.fieldErrors.reason).toMatch(/reason/);
		await updatePerson(t.db, admin, person.id, {
			name: 'Mover',
			organisationId: council,
			audience: 'community',
			managerOf: [council],
			reason: 'Moved to the council ASB team'
		});
		const roles = await t.db
			.select()
			.from(managerOrganisations)
			.where(eq(managerOrganisations.userId, person.id));
		expect(roles.map((r) => r.organisationId)).toEqual([council]);
		await setPersonStatus(t.db, admin, person.id, 'deactivated', 'Left the partnership');
		const { rows } = await listAudit(t.db, admin, { targetId: person.id, page: 1, pageSize: 10 });
		expect(rows.map((r) => r.action)).toEqual(['person.deactivated', 'person.role-changed']);
		expect(rows[1]!.reason).toBe('Moved to the council ASB team');
		expect(rows[1]!.actorName).toBe(admin.name);
		expect(rows[1]!.details).toMatchObject({
			organisationId: { to: council },
			audience: { from: 'frontline', to: 'community' }
		});
		// The log reads as sentences, with names, not codes and ids.
		expect(rows[1]!.sentence).toBe(
			`Admin (admin) renamed Mover from “mover” to “Mover”, moved them from West Yorkshire Fire and Rescue Service to Kirklees Council, changed their audience from front-line officer to community contact and made them a manager of Kirklees Council. Reason: Moved to the council ASB team.`
		);
		expect(rows[0]!.sentence).toBe(
			`Admin (admin) deactivated Mover’s account. Reason: Left the partnership.`
		);
		const [kept] = await t.db.select().from(users).where(eq(users.id, person.id));
		expect(kept!.status).toBe('deactivated');
		expect(
			(await listPeople(t.db, admin, filter({ status: 'deactivated', q: 'mover' }))).total
		).toBe(1);
		expect((await listPeople(t.db, admin, filter({ q: 'mover' }))).total).toBe(0);
	});

	it('filters and pages the people list', async () => {
		for (let i = 0; i < 30; i++)
			await makePerson(t.db, {
				email: `volunteer${String(i).padStart(2, '0')}@community.example`,
				organisationKey: 'community-volunteers',
				audience: 'community'
			});
		const first = await listPeople(
			t.db,
			admin,
			filter({ audience: 'community', q: 'community.example' })
		);
		expect(first.total).toBe(30);
		expect(first.rows).toHaveLength(25);
		const second = await listPeople(
			t.db,
			admin,
			filter({ audience: 'community', q: 'community.example', page: '2' })
		);
		expect(second.rows.map((r) => r.email)).toEqual([
			'volunteer25@community.example',
			'volunteer26@community.example',
			'volunteer27@community.example',
			'volunteer28@community.example',
			'volunteer29@community.example'
		]);
		expect((await listPeople(t.db, admin, filter({ q: '%' }))).total).toBe(0);
	});
});

describe('CSV import', () => {
	const header = 'name,email,organisation,team,audience,manager\n';

	it('previews per-row errors and writes nothing until confirmed', async () => {
		const csv =
			header +
			'Dan Brook,dan@wyp.example,West Yorkshire Police,Safeguarding unit,front-line officer,no\n' +
			'No Email,,West Yorkshire Police,,front-line officer,\n' +
			'Wrong Org,wrong@x.example,Leeds Council,,community contact,\n' +
			'Bad Team,team@wyp.example,West Yorkshire Police,Nonexistent,community,\n' +
			'Dup,dan@wyp.example,West Yorkshire Police,,community,\n' +
			'"Council, Person",c@k.example,Kirklees Council,,community,\n';
		const preview = await previewImport(t.db, policeManager, csv);
		expect(preview.counts).toEqual({ create: 1, update: 0, unchanged: 0, error: 5 });
		const byLine = Object.fromEntries(
			preview.rows.map((r) => [
				r.line,
				r.errors.map((e) => `${e.column}: ${e.message}`).join(' | ')
			])
		);
		expect(byLine[3]).toMatch(/^email: Enter an email address/);
		expect(byLine[4]).toBe('organisation: There is no organisation called "Leeds Council"');
		expect(byLine[5]).toMatch(
			/^team: West Yorkshire Police has no team called "Nonexistent"\. Add the team/
		);
		expect(byLine[6]).toBe('email: This email address is also on row 2');
		expect(byLine[7]).toBe('organisation: You cannot add people to Kirklees Council');
		expect(await t.db.select().from(users).where(eq(users.email, 'dan@wyp.example'))).toHaveLength(
			0
		);
		expect(await errorOf(commitImport(t.db, policeManager, csv, ctx))).toBeInstanceOf(
			ValidationError
		);
		expect(await t.db.select().from(users).where(eq(users.email, 'dan@wyp.example'))).toHaveLength(
			0
		);
	});

	it('suggests the nearest organisation or team the importer may use for a typo, and imports nothing', async () => {
		const csv =
			header +
			'Typo Org,typo.org@wyp.example,West Yorksire Police,,community,\n' +
			'Typo Team,typo.team@wyp.example,West Yorkshire Police,Safeguardng unit,community,\n' +
			'Not Theirs,not.theirs@wyp.example,Kirklees Counsil,,community,\n' +
			'Fine,fine@wyp.example,West Yorkshire Police,,community,maybe\n';
		const preview = await previewImport(t.db, policeManager, csv);
		expect(preview.rows.map((r) => r.errors)).toEqual([
			[
				{
					column: 'organisation',
					message:
						'There is no organisation called "West Yorksire Police". Did you mean "West Yorkshire Police"?'
				}
			],
			[
				{
					column: 'team',
					message:
						'West Yorkshire Police has no team called "Safeguardng unit". Did you mean "Safeguarding unit"?'
				}
			],
			// A police manager cannot add people to the council, so the council is not suggested to them.
			[{ column: 'organisation', message: 'There is no organisation called "Kirklees Counsil"' }],
			[{ column: 'manager', message: 'Enter "yes" or "no"' }]
		]);
		expect((await previewImport(t.db, admin, csv)).rows[2]!.errors[0]!.message).toBe(
			'There is no organisation called "Kirklees Counsil". Did you mean "Kirklees Council"?'
		);
		expect(await errorOf(commitImport(t.db, policeManager, csv, ctx))).toBeInstanceOf(
			ValidationError
		);
		expect(await t.db.select().from(users).where(eq(users.email, 'fine@wyp.example'))).toHaveLength(
			0
		);
	});

	it('imports, invites new people, and on re-import updates rather than duplicates', async () => {
		const csv =
			header +
			'Erin Moss,erin@wyp.example,West Yorkshire Police,,front-line officer,yes\nFaz Ali,faz@wyp.example,west-yorkshire-police,,Community contact,\n';
		expect(await commitImport(t.db, policeManager, csv, ctx)).toEqual({
			create: 2,
			update: 0,
			unchanged: 0,
			error: 0
		});
		expect(
			await t.db.select().from(outbox).where(eq(outbox.toAddress, 'faz@wyp.example'))
		).toHaveLength(1);
		const again =
			header +
			'Erin Moss-Smith,erin@wyp.example,West Yorkshire Police,Safeguarding unit,front-line officer,yes\nFaz Ali,faz@wyp.example,west-yorkshire-police,,community contact,\n';
		expect((await previewImport(t.db, policeManager, again)).counts).toEqual({
			create: 0,
			update: 1,
			unchanged: 1,
			error: 0
		});
		await commitImport(t.db, policeManager, again, ctx);
		const erin = await t.db.select().from(users).where(eq(users.email, 'erin@wyp.example'));
		expect(erin).toHaveLength(1);
		expect(erin[0]!.name).toBe('Erin Moss-Smith');
		expect(
			await t.db
				.select()
				.from(managerOrganisations)
				.where(eq(managerOrganisations.userId, erin[0]!.id))
		).toHaveLength(1);
		expect(
			await t.db.select().from(outbox).where(eq(outbox.toAddress, 'faz@wyp.example'))
		).toHaveLength(1);
	});

	it('explains a file that is not a usable CSV', async () => {
		for (const [csv, message] of [
			['', /empty/],
			['email,name\na@b.example,A\n', /Missing: organisation, audience/],
			[header + '"unterminated,a@b.example,West Yorkshire Police,,community,\n', /never closed/]
		] as const) {
			const error = (await errorOf(previewImport(t.db, admin, csv))) as ValidationError;
			expect(error).toBeInstanceOf(ValidationError);
			expect(error.fieldErrors.file).toMatch(message);
		}
	});
});
