import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../../src/lib/server/db/migrate.ts';
import { parse } from 'yaml';
import { render } from 'svelte/server';
import { makePerson, testDatabase } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { lessonsFor } from '../../src/lib/server/courses/content-schema.ts';
import { completeLesson } from '../../src/lib/server/courses/service.ts';
import { startAttempt, submitAttempt } from '../../src/lib/server/assessment/service.ts';
import {
	assessmentAnswers,
	assessmentAttempts,
	auditLog,
	certificates,
	completions,
	courses,
	outbox,
	reminderLog,
	retentionRuns,
	sessions,
	users
} from '../../src/lib/server/db/schema.ts';
import { scormCommits } from '../../src/lib/server/db/schema-scorm.ts';
import {
	certificateCredential,
	certificatePdf,
	managedCertificate,
	ownCertificate,
	startCertificates,
	verifyCode,
	verifyCredentialFile
} from '../../src/lib/server/certificates/service.ts';
import { queueEmail } from '../../src/lib/server/email/mailer.ts';
import { invitePerson, setPersonStatus } from '../../src/lib/server/people/service.ts';
import { invitationEmail } from '../../src/lib/server/email/templates.ts';
import { bookPlace, createEvent } from '../../src/lib/server/events/service.ts';
import { orgId } from '../helpers/people.ts';
import { partnershipDashboard } from '../../src/lib/server/tracking/partnership.ts';
import {
	createRequirement,
	managerDashboard,
	monthlyCompletions
} from '../../src/lib/server/tracking/service.ts';
import { createSession } from '../../src/lib/server/auth/sessions.ts';
import { launchItem, commitRuntime } from '../../src/lib/server/scorm/runtime.ts';
import { forgetContentKey } from '../../src/lib/server/scorm/content-url.ts';
import { importSample, testStorage } from '../fixtures/scorm/packages.ts';
import { partnershipFileSchema } from '../../src/lib/server/partnership/seed-file.ts';
import { seedPartnership } from '../../src/lib/server/partnership/service.ts';
import { RETENTION_DEFAULTS } from '../../src/lib/server/privacy/notice.ts';
import {
	EXPORT_SECTIONS,
	carryOutRequest,
	exportForRequest,
	exportHtml,
	myData,
	previewRequest,
	privacyNotice,
	retentionOverview,
	runRetention
} from '../../src/lib/server/privacy/service.ts';
import {
	ConflictError,
	ForbiddenError,
	NotFoundError,
	ValidationError
} from '../../src/lib/server/errors.ts';
import PrivacyPage from '../../src/routes/(public)/privacy/+page.svelte';
import { retentionLines } from '../../src/lib/server/privacy/service.ts';

let t: TestDatabase;
let admin: AuthUser;
const catalogue = courseCatalogue();
const SLUG = 'early-asb-intervention';
const course = catalogue.get(SLUG)!;
const ORIGIN = 'https://learning.example.org';
const store = testStorage();
const deps = { contentOrigin: 'http://localhost:4999' };
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);
let people = 0;
const DAY = 86_400_000;

beforeAll(async () => {
	forgetContentKey();
	t = await testDatabase();
	await registerCourses(t.db, catalogue);
	await startCertificates(t.db);
	admin = await makePerson(t.db, {
		email: 'admin@privacy.example',
		name: 'Ada Admin',
		isAdmin: true,
		organisationKey: 'kirklees-council'
	});
});
afterAll(async () => {
	await t?.close();
	store.cleanup();
});

/** A learner who has done everything a learner does: lessons, a passed assessment (so a certificate), a SCORM package, a reminder and an email. */
async function busyLearner(opts: { name?: string; organisationKey?: string } = {}) {
	const n = ++people;
	const learner = await makePerson(t.db, {
		email: `learner${n}@privacy.example`,
		name: opts.name ?? `Lee Learner${n}`,
		organisationKey: opts.organisationKey
	});
	for (const lesson of lessonsFor(course, learner.audience))
		await completeLesson(t.db, learner, SLUG, lesson.slug);
	const { attemptId } = await startAttempt(t.db, learner, SLUG);
	const [row] = await t.db
		.select()
		.from(assessmentAttempts)
		.where(eq(assessmentAttempts.id, attemptId));
	const form = Object.fromEntries(
		row!.questions.map((d) => [
			`q-${d.questionId}`,
			String(d.optionOrder.indexOf(course.questions.get(d.questionId)!.answer))
		])
	);
	await submitAttempt(t.db, learner, SLUG, attemptId, form);
	const [completion] = await t.db
		.select()
		.from(completions)
		.where(eq(completions.attemptId, attemptId));
	const [certificate] = await t.db
		.select()
		.from(certificates)
		.where(eq(certificates.completionId, completion!.id));
	const launch = await launchItem(t.db, learner, { slug: scormSlug }, deps);
	let seq = launch.sequenceBase;
	const cmi = (core: Record<string, unknown>) => ({
		cmi: {
			core: { score: { raw: '90', min: '0', max: '100' }, ...core },
			suspend_data: 'page=3;notes=my private notes'
		}
	});
	await commitRuntime(
		t.db,
		learner,
		{
			launchId: launch.launchId,
			token: launch.token,
			seq: ++seq,
			cmi: cmi({ lesson_status: 'incomplete', lesson_location: '2' }),
			terminate: false
		},
		'fetch',
		100
	);
	await commitRuntime(
		t.db,
		learner,
		{
			launchId: launch.launchId,
			token: launch.token,
			seq: ++seq,
			cmi: cmi({ lesson_status: 'completed', lesson_location: '3', session_time: '00:05:00' }),
			terminate: true
		},
		'fetch',
		100
	);
	const [c] = await t.db.select().from(courses).where(eq(courses.slug, SLUG));
	await t.db
		.insert(reminderLog)
		.values({ userId: learner.id, courseId: c!.id, kind: 'due-14', periodKey: '2026-12-31' });
	await queueEmail(t.db, {
		to: learner.email,
		subject: 'Training due',
		body: `Hello ${learner.name}, your training is due.`
	});
	await createSession(t.db, learner.id);
	return { learner, attemptId, completion: completion!, certificate: certificate! };
}

let scormSlug = '';
beforeAll(async () => {
	const pkg = await importSample(t.db, admin, store.storage, 'RuntimeBasicCalls_SCORM12.zip', {
		title: 'Privacy SCORM sample'
	});
	scormSlug = pkg.courseSlug;
});

const count = async (
	table: typeof assessmentAnswers | typeof completions | typeof scormCommits,
	where: SQL
) =>
	Number(
		(
			await t.db
				.select({ n: sql<number>`count(*)::int` })
				.from(table)
				.where(where)
		)[0]!.n
	);

describe('privacy notice', () => {
	it('comes from the partnership file: controllers, purposes with their lawful basis, what is held and retention with reasons', async () => {
		const notice = await privacyNotice(t.db);
		expect(notice.controllers[0]!.name).toContain('Kirklees Council');
		expect(notice.purposes.every((p) => p.lawfulBasis.length > 0)).toBe(true);
		expect(notice.retention.deactivatedPeople).toMatchObject({ years: 6 });
		expect(notice.retention.emailBodies.reason).toBe(RETENTION_DEFAULTS.emailBodies.reason);
	});

	it('renders for another partnership from its own file, with defaults for periods it leaves out, and refuses a file without a lawful basis', async () => {
		const file = parse(
			fs.readFileSync(path.join(import.meta.dirname, '../../content/partnership.yaml'), 'utf8')
		) as Record<string, unknown>;
		const other = {
			...file,
			partnership: {
				name: 'Safer Elsewhere',
				shortName: 'Safer Elsewhere',
				fullName: 'Elsewhere Community Safety Partnership',
				area: 'Elsewhere',
				brandColour: '#22577a'
			},
			privacy: {
				controllers: [{ name: 'Elsewhere Borough Council', role: 'Runs the platform.' }],
				contact: { name: 'The Elsewhere data protection officer', email: 'dpo@elsewhere.example' },
				purposes: [{ purpose: 'Training the partnership', lawfulBasis: 'Public task' }],
				held: ['Your name'],
				retention: {
					deactivatedPeople: { years: 3, reason: 'Elsewhere keeps records three years.' }
				}
			}
		};
		const parsed = partnershipFileSchema.parse(other);
		expect(parsed.privacy.retention.assessmentDetail.months).toBe(
			RETENTION_DEFAULTS.assessmentDetail.months
		);
		const bad = structuredClone(other) as {
			privacy: { purposes: { purpose: string; lawfulBasis?: string }[] };
		};
		delete bad.privacy.purposes[0]!.lawfulBasis;
		expect(partnershipFileSchema.safeParse(bad).success).toBe(false);

		const own = await testDatabase();
		try {
			await seedPartnership(own.db, parsed);
			const notice = await privacyNotice(own.db);
			const { body } = render(PrivacyPage, {
				props: {
					data: {
						notice,
						retention: retentionLines(notice.retention),
						sessionCookie: 'session',
						branding: {
							shortName: 'Safer Elsewhere',
							fullName: 'Elsewhere Community Safety Partnership'
						}
					}
				} as never
			});
			expect(body).toContain('Elsewhere Borough Council');
			expect(body).toContain('dpo@elsewhere.example');
			expect(body).toContain('3 years');
			expect(body).toContain('Elsewhere keeps records three years.');
			expect(body).toContain(`${RETENTION_DEFAULTS.emailBodies.days} days`);
			expect(body).not.toContain('Kirklees');
		} finally {
			await own.close();
		}
	});
});

describe('subject access', () => {
	it('gives a person everything held about them, as JSON sections and as a readable document', async () => {
		const { learner, certificate } = await busyLearner({ name: 'Zoë <b>O’Brien</b>' });
		await setPersonStatus(
			t.db,
			admin,
			learner.id,
			'deactivated',
			`Checking the account of ${learner.email}`
		);
		await setPersonStatus(t.db, admin, learner.id, 'active', 'Checked');
		const data = await myData(t.db, learner);
		expect(data.sections.map((s) => s.key)).toEqual(EXPORT_SECTIONS.map((s) => s.key));
		const section = (key: string) => data.sections.find((s) => s.key === key)!.rows;
		expect(section('profile')[0]).toMatchObject({
			email: learner.email,
			organisation: 'West Yorkshire Police',
			status: 'active'
		});
		expect(section('lessonVisits').length).toBe(lessonsFor(course, learner.audience).length);
		expect(section('assessmentAttempts')).toHaveLength(1);
		expect((section('assessmentAttempts')[0]!.questionsShown as unknown[]).length).toBeGreaterThan(
			0
		);
		expect(section('assessmentAnswers').length).toBeGreaterThan(0);
		expect(section('scormRuntime')[0]!.cmi).toMatchObject({
			cmi: { suspend_data: 'page=3;notes=my private notes' }
		});
		expect(section('scormCommits')).toHaveLength(2);
		expect(section('completions').length).toBe(2); // the native course and the SCORM package
		expect(section('certificates').map((c) => c.code)).toContain(certificate.code);
		expect(section('reminders')).toMatchObject([{ kind: 'due-14', about: '2026-12-31' }]);
		expect(section('emails').map((e) => e.subject)).toContain('Training due');
		expect(section('audit').map((e) => e.action)).toEqual([
			'person.deactivated',
			'person.reactivated'
		]);
		expect(section('audit')[0]).toMatchObject({
			by: 'Ada Admin',
			reason: `Checking the account of ${learner.email}`
		});
		// nothing about anyone else: an admin's own export lists what they changed, not the people they changed
		expect(JSON.stringify(data)).not.toContain('admin@privacy.example');
		const adminData = await myData(t.db, admin);
		expect(adminData.sections.find((x) => x.key === 'auditActions')!.rows.length).toBeGreaterThan(
			0
		);
		expect(JSON.stringify(adminData)).not.toContain(learner.email);

		const html = exportHtml(data);
		expect(html).toContain('<html lang="en-GB">');
		expect(html).toContain('Zoë &lt;b&gt;O’Brien&lt;/b&gt;');
		expect(html).not.toContain('<b>O’Brien</b>');
		for (const s of data.sections) expect(html).toContain(`<h2 id="${s.key}">`);
	});

	it('lets an admin produce the same for a request made by email, with the reason in the audit log; nobody else may', async () => {
		const { learner } = await busyLearner();
		expect(
			await errorOf(exportForRequest(t.db, learner, learner.id, { reason: 'mine' }, 'json'))
		).toBeInstanceOf(ForbiddenError);
		expect(
			await errorOf(exportForRequest(t.db, admin, learner.id, { reason: '' }, 'json'))
		).toBeInstanceOf(ValidationError);
		const data = await exportForRequest(
			t.db,
			admin,
			learner.id,
			{ reason: 'Email from the person on 1 December' },
			'html'
		);
		expect(data.person.email).toBe(learner.email);
		const own = await myData(t.db, learner, new Date(data.generatedAt));
		const notAudit = (d: typeof data) => d.sections.filter((x) => x.key !== 'audit');
		expect(notAudit(data)).toEqual(notAudit(own));
		const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.action, 'privacy.export'));
		expect(entry).toMatchObject({
			actorId: admin.id,
			targetId: learner.id,
			reason: 'Email from the person on 1 December',
			details: { format: 'html' }
		});
	});
});

describe('subject access: events', () => {
	it('includes the person’s event bookings, with the access needs they gave', async () => {
		const now = new Date('2026-02-15T10:00:00Z');
		const [course] = await t.db
			.select({ id: courses.id })
			.from(courses)
			.where(eq(courses.slug, SLUG));
		const eventId = await createEvent(
			t.db,
			admin,
			{
				title: 'Prevent workshop for partners',
				description: 'A morning workshop.',
				courseId: course!.id,
				organisationId: await orgId(t.db, 'kirklees-council'),
				capacity: '10',
				bookingOpens: '2026-02-01',
				bookingCloses: '2026-03-09',
				cancellationCutoffHours: '48',
				asksAccessNeeds: 'on',
				trainerEmails: admin.email,
				session1Date: '2026-03-10',
				session1Start: '09:30',
				session1End: '12:30',
				session1VenueName: 'Huddersfield Town Hall',
				session1VenueAddress: 'Ramsden Street, Huddersfield HD1 2TA'
			},
			now
		);
		const booker = await makePerson(t.db, {
			email: 'booker@privacy.example',
			organisationKey: 'kirklees-council'
		});
		await bookPlace(t.db, booker, eventId, { accessNeeds: 'Hearing loop, please' }, now);
		const data = await myData(t.db, booker);
		expect(data.sections.find((s) => s.key === 'bookings')!.rows).toEqual([
			expect.objectContaining({
				event: 'Prevent workshop for partners',
				status: 'booked',
				accessNeeds: 'Hearing loop, please'
			})
		]);
		expect(data.sections.find((s) => s.key === 'attendance')!.rows).toEqual([]);
	});
});

describe('erasure and restriction', () => {
	it('previews what would be removed and kept with the legal reason, then anonymises in one go; verification stays honest', async () => {
		const { learner, certificate, attemptId, completion } = await busyLearner({
			name: 'Erin Erasure'
		});
		const credential = await certificateCredential(
			t.db,
			await ownCertificate(t.db, learner, certificate.code),
			ORIGIN
		);
		const before = await verifyCode(t.db, certificate.code, '192.0.2.10');
		expect(before.certificate?.learnerName).toBe('Erin Erasure');

		const preview = await previewRequest(t.db, admin, learner.id, 'erasure');
		expect(preview.blocked).toBeNull();
		expect(preview.removed.map((i) => i.what)).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/^Access/),
				expect.stringMatching(/^Name and email/),
				expect.stringMatching(/^Assessment questions/)
			])
		);
		expect(preview.kept.find((i) => i.what.startsWith('Completions'))).toMatchObject({
			count: 2,
			why: expect.stringContaining('17(3)(b)')
		});
		expect(preview.legalBasis).toContain('article 17');
		expect((await previewRequest(t.db, admin, admin.id, 'erasure')).blocked).toMatch(
			/your own account/
		);

		expect(
			await errorOf(carryOutRequest(t.db, admin, learner.id, { kind: 'erasure', reason: '' }))
		).toBeInstanceOf(ValidationError);
		const done = await carryOutRequest(t.db, admin, learner.id, {
			kind: 'erasure',
			reason: 'Erasure asked for by email'
		});
		expect(done.details).toMatchObject({ deactivated: true, certificates: 2 }); // the course's and the SCORM package's

		const [person] = await t.db.select().from(users).where(eq(users.id, learner.id));
		expect(person).toMatchObject({
			name: 'Anonymised person',
			status: 'deactivated',
			passwordHash: null,
			organisationId: learner.organisationId
		});
		expect(person!.email).not.toContain('learner');
		expect(await count(completions, eq(completions.userId, learner.id))).toBe(2);
		expect(await count(assessmentAnswers, eq(assessmentAnswers.attemptId, attemptId))).toBe(0);
		const [attempt] = await t.db
			.select()
			.from(assessmentAttempts)
			.where(eq(assessmentAttempts.id, attemptId));
		expect(attempt).toMatchObject({
			questions: [],
			passed: true,
			scorePercent: completion.scorePercent
		});
		expect((await t.db.select().from(sessions).where(eq(sessions.userId, learner.id))).length).toBe(
			0
		);
		const emails = await t.db.select().from(outbox).where(eq(outbox.toAddress, learner.email));
		expect(emails).toHaveLength(0);
		const runtime = rowsOf(
			await t.db.execute(
				sql`select rt.cmi, rt.completion_status from scorm_runtime rt join scorm_registrations r on r.id = rt.registration_id where r.user_id = ${learner.id}`
			)
		);
		expect(runtime).toMatchObject([{ completion_status: 'completed' }]);
		expect(runtime.map((r) => (r as { cmi: unknown }).cmi)).toEqual([{}]);
		// the audit log says what happened, never to whom by name
		const entries = await t.db.select().from(auditLog).where(eq(auditLog.targetId, learner.id));
		expect(entries.map((e) => e.action)).toEqual(
			expect.arrayContaining(['person.deactivated', 'privacy.erasure'])
		);
		expect(JSON.stringify(entries)).not.toContain('Erin Erasure');
		expect(JSON.stringify(entries)).not.toContain(learner.email);

		// verification: genuine, with its dates, and no name
		const after = await verifyCode(t.db, certificate.code, '192.0.2.11');
		expect(after.state).toBe(before.state);
		expect(after.certificate).toEqual({ ...before.certificate, learnerName: null });
		const file = await verifyCredentialFile(t.db, JSON.stringify(credential), '192.0.2.12');
		expect(file.signature).toBe('holds');
		expect(file.result?.certificate).toMatchObject({
			learnerName: null,
			completedAt: certificate.completedAt
		});

		expect(
			await errorOf(carryOutRequest(t.db, admin, learner.id, { kind: 'erasure', reason: 'again' }))
		).toBeInstanceOf(ConflictError);
		// nothing to print or sign without a name
		const managed = await managedCertificate(t.db, admin, certificate.code);
		expect(await errorOf(certificatePdf(t.db, managed, ORIGIN))).toBeInstanceOf(NotFoundError);
		expect(await errorOf(certificateCredential(t.db, managed, ORIGIN))).toBeInstanceOf(
			NotFoundError
		);
	});

	it('does nothing at all when any part fails', async () => {
		const { learner, attemptId } = await busyLearner({ name: 'Hal Halfdone' });
		// The last step (withholding the name on certificates) fails, after every other change was made.
		await t.db.execute(
			sql.raw(
				`create function refuse_withholding() returns trigger language plpgsql as $$ begin raise exception 'refused for the test'; end $$`
			)
		);
		await t.db.execute(
			sql.raw(
				`create trigger refuse_withholding before update on certificates for each row when (new.user_id = '${learner.id}') execute function refuse_withholding()`
			)
		);
		try {
			expect(
				await errorOf(
					carryOutRequest(t.db, admin, learner.id, {
						kind: 'erasure',
						reason: 'Erasure asked for by email'
					})
				)
			).toBeInstanceOf(Error);
		} finally {
			await t.db.execute(sql.raw('drop trigger refuse_withholding on certificates'));
			await t.db.execute(sql.raw('drop function refuse_withholding()'));
		}
		const [person] = await t.db.select().from(users).where(eq(users.id, learner.id));
		expect(person).toMatchObject({
			name: 'Hal Halfdone',
			email: learner.email,
			status: 'active',
			anonymisedAt: null
		});
		expect(
			await count(assessmentAnswers, eq(assessmentAnswers.attemptId, attemptId))
		).toBeGreaterThan(0);
		expect(
			(await t.db.select().from(auditLog).where(eq(auditLog.targetId, learner.id))).map(
				(e) => e.action
			)
		).not.toContain('person.deactivated');
	});

	it('restriction deactivates and keeps everything as it is, and retention leaves it alone', async () => {
		const { learner, attemptId } = await busyLearner();
		const preview = await previewRequest(t.db, admin, learner.id, 'restriction');
		expect(preview.legalBasis).toContain('article 18');
		await carryOutRequest(t.db, admin, learner.id, {
			kind: 'restriction',
			reason: 'Disputes the accuracy of a completion'
		});
		const [person] = await t.db.select().from(users).where(eq(users.id, learner.id));
		expect(person).toMatchObject({ status: 'deactivated', name: learner.name });
		expect(person!.restrictedAt).not.toBeNull();
		await runRetention(t.db, new Date(Date.now() + 20 * 365 * DAY));
		const [still] = await t.db.select().from(users).where(eq(users.id, learner.id));
		expect(still).toMatchObject({ name: learner.name, anonymisedAt: null });
		expect(
			await count(assessmentAnswers, eq(assessmentAnswers.attemptId, attemptId))
		).toBeGreaterThan(0);
		expect((await previewRequest(t.db, admin, learner.id, 'restriction')).blocked).toMatch(
			/already restricted/
		);
	});
});

describe('retention', () => {
	it('applies each period as of the time given, reports what it did, and leaves every dashboard figure as it was', async () => {
		const stayer = await busyLearner({ organisationKey: 'wyfrs' });
		const leaver = await busyLearner({ name: 'Lou Leaver', organisationKey: 'wyfrs' });
		await createRequirement(t.db, admin, {
			courseId: (await t.db.select().from(courses).where(eq(courses.slug, SLUG)))[0]!.id,
			organisationId: stayer.learner.organisationId,
			dueWithinDays: '30'
		});
		await setPersonStatus(t.db, admin, leaver.learner.id, 'deactivated', 'Left the service');
		const asOf = new Date();
		const figures = async () =>
			JSON.stringify({
				partnership: await partnershipDashboard(t.db, admin, asOf),
				manager: await managerDashboard(
					t.db,
					admin,
					{ page: 1, organisationId: stayer.learner.organisationId },
					asOf
				),
				months: await monthlyCompletions(t.db, admin, asOf)
			});
		const before = await figures();

		// A month on: nothing is old enough, except nothing.
		const soon = await runRetention(t.db, new Date(Date.now() + 31 * DAY));
		expect(soon.rules.find((r) => r.key === 'emailBodies')!.done.emails).toBeGreaterThan(0);
		expect(soon.rules.find((r) => r.key === 'deactivatedPeople')!.done.people).toBe(0);
		expect(soon.rules.find((r) => r.key === 'assessmentDetail')!.done.attempts).toBe(0);
		const [mail] = await t.db
			.select()
			.from(outbox)
			.where(eq(outbox.toAddress, stayer.learner.email));
		expect(mail!.body).toMatch(/removed after 30 days/);

		// Seven years on: the leaver is anonymised, detail is reduced to outcomes, nobody else is touched.
		const later = await runRetention(t.db, new Date(Date.now() + 7 * 365 * DAY));
		const done = Object.fromEntries(later.rules.map((r) => [r.key, r.done]));
		expect(done.deactivatedPeople!.people).toBeGreaterThanOrEqual(1);
		expect(done.assessmentDetail!.attempts).toBeGreaterThanOrEqual(1);
		expect(done.assessmentDetail!.scormCommits).toBeGreaterThanOrEqual(2);
		const [l] = await t.db.select().from(users).where(eq(users.id, leaver.learner.id));
		const [s] = await t.db.select().from(users).where(eq(users.id, stayer.learner.id));
		expect(l).toMatchObject({ name: 'Anonymised person' });
		expect(s).toMatchObject({ name: stayer.learner.name, anonymisedAt: null });
		const [stayerAttempt] = await t.db
			.select()
			.from(assessmentAttempts)
			.where(eq(assessmentAttempts.id, stayer.attemptId));
		expect(stayerAttempt).toMatchObject({ questions: [], passed: true });
		expect(
			await count(
				scormCommits,
				sql`${scormCommits.registrationId} in (select id from scorm_registrations where user_id = ${stayer.learner.id})`
			)
		).toBe(0);

		expect(await figures()).toBe(before);
		const leaverCheck = await verifyCode(t.db, leaver.certificate.code, '192.0.2.20', asOf);
		expect(leaverCheck).toMatchObject({
			state: 'valid',
			certificate: { learnerName: null, completedAt: leaver.certificate.completedAt }
		});

		const overview = await retentionOverview(t.db, admin);
		expect(overview.runs[0]!.report.asOf).toBe(later.asOf);
		expect(overview.lines.map((x) => x.period)).toEqual([
			'6 years',
			'12 months',
			'30 days',
			'7 years'
		]);
		const runs = await t.db.select().from(retentionRuns);
		expect(runs.every((r) => r.finishedAt)).toBe(true);
		const anonymisedEntry = (
			await t.db.select().from(auditLog).where(eq(auditLog.action, 'privacy.anonymised'))
		).find((e) => e.targetId === leaver.learner.id);
		expect(anonymisedEntry).toMatchObject({
			actorId: null,
			reason: expect.stringContaining('6 years')
		});

		// Audit entries go after their own period.
		const far = await runRetention(t.db, new Date(Date.now() + 8 * 365 * DAY));
		expect(far.rules.find((r) => r.key === 'auditEntries')!.done.entries).toBeGreaterThan(0);
		expect(await figures()).toBe(before);
		expect(await count(completions, eq(completions.userId, leaver.learner.id))).toBe(2);
	});
});

describe('the privacy notice in invitations', () => {
	it('an invitation email links to the privacy notice, in its text and its HTML', async () => {
		const email = 'ivo.invited@privacy.example';
		await invitePerson(
			t.db,
			admin,
			{
				name: 'Ivo Invited',
				email,
				organisationId: await orgId(t.db, 'kirklees-council'),
				audience: 'frontline'
			},
			{ origin: ORIGIN, partnershipName: 'Safer Kirklees' }
		);
		const [mail] = await t.db.select().from(outbox).where(eq(outbox.toAddress, email));
		expect(mail?.subject).toBe('You have been invited to Safer Kirklees learning');
		expect(mail!.body).toContain(`How we use your information: ${ORIGIN}/privacy`);
		expect(mail!.html).toContain(`<a href="${ORIGIN}/privacy"`);
		// The invitation of someone whose organisation signs them in says the same.
		const sso = invitationEmail(
			'Sam',
			`${ORIGIN}/sign-in`,
			{ name: 'Safer Kirklees', colour: '#1d5f8a' },
			{ organisationName: 'The Probation Service', url: `${ORIGIN}/sso/probation-service/start` }
		);
		expect(sso.body).toContain(`${ORIGIN}/privacy`);
		expect(sso.html).toContain(`<a href="${ORIGIN}/privacy"`);
		expect(sso.html).toContain(`<a href="${ORIGIN}/sign-in"`);
	});
});

describe('erasure and the figures', () => {
	it('leaves every organisation and partnership dashboard figure as the person’s leaving left it', async () => {
		const key = 'nhs-wy-icb-kirklees';
		const organisationId = await orgId(t.db, key);
		await createRequirement(t.db, admin, {
			courseId: (await t.db.select().from(courses).where(eq(courses.slug, SLUG)))[0]!.id,
			organisationId,
			dueWithinDays: '30'
		});
		const manager = await makePerson(t.db, {
			email: 'nia.manager@privacy.example',
			organisationKey: key,
			manages: [key]
		});
		const stayer = await busyLearner({ name: 'Sid Stayer', organisationKey: key });
		const leaver = await busyLearner({ name: 'Liz Leaver', organisationKey: key });
		const active = await busyLearner({ name: 'Abe Active', organisationKey: key });
		const asOf = new Date();
		const figures = async () => ({
			partnership: await partnershipDashboard(t.db, admin, asOf),
			organisation: (await managerDashboard(t.db, manager, { page: 1 }, asOf)).figures,
			months: await monthlyCompletions(t.db, manager, asOf)
		});
		const completionsOf = (f: Awaited<ReturnType<typeof figures>>) =>
			f.months.reduce((n, m) => n + m.completions, 0);
		const start = await figures();
		// The figures do count these people: three of them, a course and a SCORM package each.
		expect(completionsOf(start)).toBe(6);
		const orgFigures = start.partnership.figures.byOrganisation.find(
			(o) => o.id === organisationId
		);
		expect(orgFigures).toMatchObject({ required: 4 }); // the three learners and their manager
		expect(orgFigures!.rate).toBeGreaterThan(0);

		// Someone who has left asks to be erased: nothing changes at all.
		await setPersonStatus(t.db, admin, leaver.learner.id, 'deactivated', 'Left the service');
		const afterLeaving = await figures();
		expect(completionsOf(afterLeaving)).toBe(6); // history keeps the leaver's completions
		await carryOutRequest(t.db, admin, leaver.learner.id, {
			kind: 'erasure',
			reason: 'Erasure asked for by letter'
		});
		expect(await figures()).toEqual(afterLeaving);

		// Someone still here asks to be erased: the figures change exactly as their leaving would.
		await setPersonStatus(t.db, admin, active.learner.id, 'deactivated', 'Leaving');
		const asIfLeft = await figures();
		expect(asIfLeft).not.toEqual(afterLeaving);
		await setPersonStatus(t.db, admin, active.learner.id, 'active', 'Stayed after all');
		expect(await figures()).toEqual(afterLeaving);
		await carryOutRequest(t.db, admin, active.learner.id, {
			kind: 'erasure',
			reason: 'Erasure asked for by email'
		});
		expect(await figures()).toEqual(asIfLeft);
		expect(completionsOf(asIfLeft)).toBe(6);
		const [s] = await t.db.select().from(users).where(eq(users.id, stayer.learner.id));
		expect(s).toMatchObject({ name: 'Sid Stayer', status: 'active' });
	});
});
