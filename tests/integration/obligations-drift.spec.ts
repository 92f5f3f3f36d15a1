import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { testDatabase, makePerson, orgId } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { lessonsFor, type CourseContent } from '../../src/lib/server/courses/content-schema.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { completeLesson } from '../../src/lib/server/courses/service.ts';
import {
	assignments,
	completions,
	courses,
	obligations,
	organisations,
	requirementRoutes,
	requirements,
	teams,
	users,
	type Audience
} from '../../src/lib/server/db/schema.ts';
import {
	invitePerson,
	setPersonStatus,
	updatePerson
} from '../../src/lib/server/people/service.ts';
import {
	addRequirementRoute,
	approveExternalCompletion,
	assignCourse,
	createRequirement,
	managerDashboard,
	dashboardFilterSchema,
	recordExternalCompletion,
	removeRequirementRoute,
	retireRequirement,
	runDriftCheck,
	voidCompletion,
	withdrawAssignment
} from '../../src/lib/server/tracking/service.ts';
import {
	dashboardFigures,
	obligationDrift,
	peopleStatus,
	statusRows
} from '../../src/lib/server/tracking/queries.ts';
import type { StatusScope } from '../../src/lib/server/tracking/status.ts';
import { rowsOf } from '../../src/lib/server/db/migrate.ts';
import {
	ForbiddenError,
	NotFoundError,
	ValidationError,
	ConflictError
} from '../../src/lib/server/errors.ts';

/**
 * The drift check: random histories of every kind of change that affects obligations, made
 * through the services with a moving clock; after each history, every stored obligation must
 * equal the one recomputed from first principles (requirements, assignments, completions).
 */
let t: TestDatabase;
let admin: AuthUser;
/** manages every organisation: what they record from elsewhere waits for an admin's approval */
let everyOrgManager: AuthUser;
let orgIds: string[];
let teamsByOrg: Map<string, string[]>;
let courseIds: string[];
const day = 86_400_000;

beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, courseCatalogue());
	admin = await makePerson(t.db, {
		email: 'admin@drift.example',
		isAdmin: true,
		organisationKey: 'kirklees-council'
	});
	const orgRows = await t.db.select().from(organisations);
	orgIds = orgRows.map((o) => o.id).sort();
	everyOrgManager = await makePerson(t.db, {
		email: 'manager@drift.example',
		organisationKey: 'kirklees-council',
		manages: orgRows.map((o) => o.key)
	});
	const teamRows = await t.db.select().from(teams);
	teamsByOrg = new Map(
		orgIds.map((id) => [
			id,
			teamRows
				.filter((r) => r.organisationId === id)
				.map((r) => r.id)
				.sort()
		])
	);
	courseIds = (await t.db.select({ id: courses.id }).from(courses).where(eq(courses.active, true)))
		.map((c) => c.id)
		.sort();
});
afterAll(async () => t?.close());

type Command =
	| { kind: 'invite'; org: number; team: number; audience: Audience }
	| { kind: 'move'; who: number; org: number; team: number; audience: Audience }
	| { kind: 'status'; who: number; active: boolean }
	| {
			kind: 'require';
			course: number;
			scope: 'all' | 'org' | 'team';
			org: number;
			team: number;
			audience: Audience | '';
			days: number;
			renewal: number | null;
			routes: number[];
			approval: boolean;
	  }
	| { kind: 'retire'; which: number }
	| { kind: 'route'; which: number; course: number }
	| { kind: 'unroute'; which: number }
	| { kind: 'approve'; which: number }
	| { kind: 'assign'; who: number; course: number; inDays: number }
	| { kind: 'withdraw'; which: number }
	| { kind: 'complete'; who: number; course: number; daysAgo: number; byManager: boolean }
	| { kind: 'void'; which: number }
	| { kind: 'open'; who: number; course: number }
	| { kind: 'validity'; course: number; months: number }
	| { kind: 'wait'; days: number };

const audience = fc.constantFrom<Audience>('frontline', 'community');
const small = fc.nat({ max: 50 });
// Weighted towards what builds state to check: people, requirements and their routes, completions.
const command: fc.Arbitrary<Command> = fc.oneof(
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant('invite' as const),
			org: small,
			team: small,
			audience
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('move' as const),
			who: small,
			org: small,
			team: small,
			audience
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant('status' as const), who: small, active: fc.boolean() })
	},
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant('require' as const),
			course: small,
			scope: fc.constantFrom('all' as const, 'org' as const, 'team' as const),
			org: small,
			team: small,
			audience: fc.constantFrom<Audience | ''>('', 'frontline', 'community'),
			days: fc.integer({ min: 0, max: 120 }),
			renewal: fc.option(fc.constantFrom(0, 1, 12, 24), { nil: null }),
			routes: fc.array(small, { maxLength: 2 }),
			approval: fc.boolean()
		})
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant('retire' as const), which: small }) },
	{
		weight: 2,
		arbitrary: fc.record({ kind: fc.constant('route' as const), which: small, course: small })
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant('unroute' as const), which: small }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant('approve' as const), which: small }) },
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('assign' as const),
			who: small,
			course: small,
			inDays: fc.integer({ min: -30, max: 90 })
		})
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), which: small }) },
	{
		weight: 4,
		arbitrary: fc.record({
			kind: fc.constant('complete' as const),
			who: small,
			course: small,
			daysAgo: fc.integer({ min: 0, max: 800 }),
			byManager: fc.boolean()
		})
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), which: small }) },
	{
		weight: 2,
		arbitrary: fc.record({ kind: fc.constant('open' as const), who: small, course: small })
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('validity' as const),
			course: small,
			months: fc.constantFrom(0, 6, 12, 36)
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('wait' as const),
			days: fc.integer({ min: 1, max: 400 })
		})
	}
);

const pick = <T>(list: readonly T[], n: number): T | undefined =>
	list.length ? list[n % list.length] : undefined;
const ymd = (d: Date) => d.toISOString().slice(0, 10);

async function asUser(id: string): Promise<AuthUser> {
	const [u] = await t.db.select().from(users).where(eq(users.id, id));
	return {
		id: u!.id,
		name: u!.name,
		email: u!.email,
		organisationId: u!.organisationId,
		teamId: u!.teamId,
		audience: u!.audience,
		isAdmin: u!.isAdmin,
		managedOrganisationIds: []
	};
}

let serial = 0;
/** Applies one command through the services. Refusals (bad choices) are part of the history too. */
async function apply(c: Command, clock: { now: Date }) {
	const now = clock.now;
	const people = (await t.db.select({ id: users.id }).from(users).where(eq(users.isAdmin, false)))
		.map((p) => p.id)
		.sort();
	const who = 'who' in c ? pick(people, c.who) : undefined;
	const org = 'org' in c ? pick(orgIds, c.org)! : '';
	const team = org
		? (pick(
				teamsByOrg.get(org) ?? [],
				c.kind === 'invite' || c.kind === 'move' || c.kind === 'require' ? c.team : 0
			) ?? '')
		: '';
	const course = 'course' in c ? pick(courseIds, c.course)! : '';
	switch (c.kind) {
		case 'invite':
			await invitePerson(
				t.db,
				admin,
				{
					name: `Person ${++serial}`,
					email: `p${serial}.${Date.now()}@drift.example`,
					organisationId: org,
					teamId: c.team % 3 === 0 ? '' : team,
					audience: c.audience
				},
				{ origin: 'http://localhost', partnershipName: 'Test', now }
			);
			return;
		case 'move':
			if (who)
				await updatePerson(
					t.db,
					admin,
					who,
					{
						name: `Moved ${++serial}`,
						organisationId: org,
						teamId: c.team % 3 === 0 ? '' : team,
						audience: c.audience,
						reason: 'Moved to another team'
					},
					now
				);
			return;
		case 'status':
			if (who)
				await setPersonStatus(
					t.db,
					admin,
					who,
					c.active ? 'active' : 'deactivated',
					'Left and came back',
					now
				);
			return;
		case 'require':
			await createRequirement(
				t.db,
				admin,
				{
					courseId: course,
					organisationId: c.scope === 'all' ? '' : org,
					teamId: c.scope === 'team' ? team : '',
					audience: c.audience,
					dueWithinDays: String(c.days),
					renewalMonths: c.renewal === null ? '' : String(c.renewal),
					// Other routes (the requirement's own course among them is refused, as in the form).
					alternativeCourseIds: c.routes
						.map((n) => pick(courseIds, n)!)
						.filter((id) => id !== course),
					externalNeedsApproval: c.approval ? 'yes' : ''
				},
				now
			);
			return;
		case 'retire': {
			const id = pick(await liveRequirements(), c.which);
			if (id) await retireRequirement(t.db, admin, id, 'No longer needed', now);
			return;
		}
		case 'route': {
			const id = pick(await liveRequirements(), c.which);
			if (id)
				await addRequirementRoute(t.db, admin, { requirementId: id, routeCourseId: course }, now);
			return;
		}
		case 'unroute': {
			const routes = (await t.db.select().from(requirementRoutes))
				.map((r) => `${r.requirementId}:${r.courseId}`)
				.sort();
			const route = pick(routes, c.which);
			if (route) await removeRequirementRoute(t.db, admin, route, 'Not the same subject', now);
			return;
		}
		case 'approve': {
			const waiting = (await t.db.select().from(completions))
				.filter((x) => x.source === 'external' && !x.approvedAt && !x.voidedAt)
				.sort((a, b) => a.id.localeCompare(b.id));
			const x = pick(waiting, c.which);
			if (x) await approveExternalCompletion(t.db, admin, x.userId, x.id, now);
			return;
		}
		case 'assign':
			if (who)
				await assignCourse(
					t.db,
					admin,
					who,
					{ courseId: course, dueAt: ymd(new Date(now.getTime() + c.inDays * day)) },
					now
				);
			return;
		case 'withdraw': {
			const live = (await t.db.select().from(assignments))
				.filter((a) => !a.withdrawnAt)
				.sort((a, b) => a.id.localeCompare(b.id));
			const a = pick(live, c.which);
			if (a) await withdrawAssignment(t.db, admin, a.userId, a.id, 'Assigned by mistake', now);
			return;
		}
		case 'complete':
			if (who)
				await recordExternalCompletion(
					t.db,
					c.byManager ? everyOrgManager : admin,
					who,
					{
						courseId: course,
						completedAt: ymd(new Date(now.getTime() - c.daysAgo * day)),
						evidence: 'Attendance register seen'
					},
					now
				);
			return;
		case 'void': {
			const live = (await t.db.select().from(completions))
				.filter((x) => !x.voidedAt)
				.sort((a, b) => a.id.localeCompare(b.id));
			const x = pick(live, c.which);
			if (x)
				await voidCompletion(t.db, admin, x.userId, x.id, 'Recorded against the wrong person', now);
			return;
		}
		case 'open': {
			if (!who) return;
			const learner = await asUser(who);
			const [row] = await t.db.select().from(courses).where(eq(courses.id, course));
			const content = row && courseCatalogue().get(row.slug);
			const lesson = content && lessonsFor(content, learner.audience)[0];
			if (lesson) await completeLesson(t.db, learner, row.slug, lesson.slug, now);
			return;
		}
		case 'validity': {
			// A new release of the content changes a native course's validity.
			const [row] = await t.db.select().from(courses).where(eq(courses.id, course));
			const catalogue = new Map<string, CourseContent>(courseCatalogue());
			const content = row && catalogue.get(row.slug);
			if (content) {
				catalogue.set(row.slug, { ...content, validityMonths: c.months });
				await registerCourses(t.db, catalogue);
			}
			return;
		}
		case 'wait':
			clock.now = new Date(now.getTime() + c.days * day);
			return;
	}
}

async function liveRequirements() {
	return (
		await t.db.select({ id: requirements.id, retiredAt: requirements.retiredAt }).from(requirements)
	)
		.filter((r) => !r.retiredAt)
		.map((r) => r.id)
		.sort();
}

/** The figures counted row by row from the stored obligations, to hold the tallied ones against. */
async function countedFigures(scope: StatusScope, now: Date) {
	const rows = rowsOf<Record<string, number | string>>(
		await t.db.execute(sql`
			with s as (${statusRows(scope, now)})
			select coalesce(s.team_id::text, '') as team, s.course_id::text as course, count(*)::int as required,
				count(*) filter (where s.completed_at is not null and s.status <> 'expired')::int as trained,
				count(*) filter (where s.status = 'overdue')::int as overdue, count(*) filter (where s.status = 'due-soon')::int as due_soon,
				count(*) filter (where s.status = 'expired')::int as expired,
				count(*) filter (where s.expires_at > ${now.toISOString()}::timestamptz and s.expires_at <= ${now.toISOString()}::timestamptz + interval '60 days')::int as within60
			from s group by 1, 2 order by 1, 2`)
	);
	return rows.map((r) => ({
		team: String(r.team),
		course: String(r.course),
		required: Number(r.required),
		trained: Number(r.trained),
		overdue: Number(r.overdue),
		dueSoon: Number(r.due_soon),
		expired: Number(r.expired),
		within60: Number(r.within60)
	}));
}

async function expectTalliesToAgree(now: Date) {
	// Every shape of the figures query: all organisations or some, with or without a team or course.
	const team = teamsByOrg.get(orgIds[0]!)![0]!;
	for (const scope of [
		{ organisationIds: null },
		{ organisationIds: [orgIds[0]!, orgIds[3]!] },
		{ organisationIds: [orgIds[0]!], teamId: team },
		{ organisationIds: null, courseId: courseIds[0]! },
		{ organisationIds: [orgIds[0]!], teamId: team, courseId: courseIds[1]! }
	] as StatusScope[]) {
		const counted = await countedFigures(scope, now);
		const tallied = await dashboardFigures(t.db, scope, now);
		const sum = (k: 'required' | 'trained' | 'overdue' | 'dueSoon' | 'expired' | 'within60') =>
			counted.reduce((n, r) => n + r[k], 0);
		expect(tallied.totals).toMatchObject({
			required: sum('required'),
			trained: sum('trained'),
			overdue: sum('overdue'),
			dueSoon: sum('dueSoon'),
			expired: sum('expired')
		});
		expect(tallied.expiring.within60).toBe(sum('within60'));
		const byTeam = new Map<string, number>();
		for (const r of counted)
			byTeam.set(r.team, (byTeam.get(r.team) ?? 0) + r.overdue + r.dueSoon * 1000);
		expect(new Map(tallied.byTeam.map((r) => [r.id, r.overdue + r.dueSoon * 1000]))).toEqual(
			byTeam
		);
		// Each list's size (for paging) is the number of rows its filter selects.
		for (const status of [
			'all',
			'overdue',
			'expired',
			'due-soon',
			'completed',
			'in-progress',
			'not-started',
			'expiring-30',
			'expiring-90'
		] as const) {
			const listed = await peopleStatus(t.db, scope, now, {
				status: status === 'all' ? undefined : status,
				limit: 1
			});
			expect(tallied.listSizes[status], status).toBe(listed.total);
		}
	}
}

const refused = (e: unknown) =>
	e instanceof ValidationError ||
	e instanceof NotFoundError ||
	e instanceof ForbiddenError ||
	e instanceof ConflictError;

describe('stored obligations never drift from first principles', () => {
	it('after random histories of joins, moves, leavers, requirements and their routes, assignments, completions, approvals and corrections', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(command, { minLength: 5, maxLength: 30 }),
				fc.array(fc.double({ min: -800, max: 800, noNaN: true }), { minLength: 1, maxLength: 3 }),
				async (commands, offsets) => {
					const clock = { now: new Date('2026-01-05T09:00:00Z') };
					for (const c of commands) {
						try {
							await apply(c, clock);
						} catch (e) {
							if (!refused(e)) throw e;
						}
					}
					const report = await obligationDrift(t.db);
					expect(report.examples).toEqual([]);
					expect(report.drift).toBe(0);
					// The dashboards' tallied counts equal the rows counted one by one, whenever one looks.
					for (const offsetDays of offsets)
						await expectTalliesToAgree(new Date(clock.now.getTime() + offsetDays * day));
				}
			),
			{ numRuns: Number(process.env.DRIFT_RUNS ?? 40) }
		);
		// The histories did build obligations to check.
		const report = await obligationDrift(t.db);
		expect(report.checked).toBeGreaterThan(0);
		// Restore the content's own validity for the tests below.
		await registerCourses(t.db, courseCatalogue());
	}, 240_000);

	it('reports a row changed behind its back, and an admin can run the check', async () => {
		await createRequirement(t.db, admin, {
			courseId: courseIds[0]!,
			organisationId: '',
			teamId: '',
			audience: '',
			dueWithinDays: '30',
			renewalMonths: ''
		});
		const before = await runDriftCheck(t.db, admin);
		expect(before.drift).toBe(0);
		// Somebody edits the table by hand.
		await t.db.execute(
			sql`update obligations set due_at = due_at + interval '1 day' where user_id = (select user_id from obligations order by user_id limit 1)`
		);
		const after = await runDriftCheck(t.db, admin);
		expect(after.different).toBeGreaterThan(0);
		expect(after.examples[0]!.kind).toBe('different');
		const learner = await makePerson(t.db, {
			email: 'not.admin@drift.example',
			organisationKey: 'west-yorkshire-police'
		});
		await expect(runDriftCheck(t.db, learner)).rejects.toBeInstanceOf(ForbiddenError);
	});

	it('shows a change on the next read, with no cache in between', async () => {
		const manager: AuthUser = {
			...admin,
			isAdmin: false,
			managedOrganisationIds: [await orgId(t.db, 'west-yorkshire-police')]
		};
		const filter = dashboardFilterSchema.parse({});
		const pc = await makePerson(t.db, {
			email: 'fresh.pc@drift.example',
			organisationKey: 'west-yorkshire-police'
		});
		const before = await managerDashboard(t.db, manager, filter);
		await recordExternalCompletion(t.db, admin, pc.id, {
			courseId: courseIds[0]!,
			completedAt: ymd(new Date()),
			evidence: 'Attendance register seen'
		});
		const after = await managerDashboard(t.db, manager, filter);
		// One completion meets every obligation it is a route to (the histories left some routes).
		const met = await t.db
			.select()
			.from(obligations)
			.where(and(eq(obligations.userId, pc.id), isNotNull(obligations.completionId)));
		expect(met.length).toBeGreaterThan(0);
		expect(after.figures.totals.trained).toBe(before.figures.totals.trained + met.length);
	});
});
