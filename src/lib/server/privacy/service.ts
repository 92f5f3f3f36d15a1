import { z } from 'zod';
import type { Db } from '../db/types.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { assertAdmin } from '../auth/permissions.ts';
import { recordAudit } from '../audit/service.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { emailField, parseInput, reasonField } from '../validation.ts';
import { getBranding } from '../partnership/service.ts';
import { setPersonStatus } from '../people/service.ts';
import { logger } from '../logger.ts';
import { privacyNoticeSchema, type PrivacyNotice, type Retention } from './notice.ts';
import * as q from './queries.ts';
import type { Row } from './queries.ts';

// --- The privacy notice ----------------------------------------------------------------------------

/** The notice as the partnership file gives it (validated again on the way out, so the page can trust it). */
export async function privacyNotice(db: Db): Promise<PrivacyNotice> {
	const parsed = privacyNoticeSchema.safeParse(await q.privacySettings(db));
	if (!parsed.success)
		throw new Error('The privacy section of the partnership file has not been seeded');
	return parsed.data;
}

export async function retentionSettings(db: Db): Promise<Retention> {
	return (await privacyNotice(db)).retention;
}

/** "6 years", "1 month": how the notice, the preview and the report name a period. */
export function describePeriod(value: number, unit: 'years' | 'months' | 'days'): string {
	return `${value} ${value === 1 ? unit.slice(0, -1) : unit}`;
}

export function retentionLines(r: Retention) {
	return [
		{
			key: 'deactivatedPeople',
			what: 'People who have left (deactivated accounts)',
			period: describePeriod(r.deactivatedPeople.years, 'years'),
			after: 'after they leave, then anonymised',
			reason: r.deactivatedPeople.reason
		},
		{
			key: 'assessmentDetail',
			what: 'Assessment questions and answers, and e-learning package data',
			period: describePeriod(r.assessmentDetail.months, 'months'),
			after: 'after the assessment or course is finished, then reduced to the outcome',
			reason: r.assessmentDetail.reason
		},
		{
			key: 'emailBodies',
			what: 'Copies of emails sent',
			period: describePeriod(r.emailBodies.days, 'days'),
			after: 'after sending, then the text is removed',
			reason: r.emailBodies.reason
		},
		{
			key: 'auditEntries',
			what: 'Audit log entries',
			period: describePeriod(r.auditEntries.years, 'years'),
			after: 'then deleted',
			reason: r.auditEntries.reason
		}
	];
}

// --- Subject access ---------------------------------------------------------------------------------

type Person = NonNullable<Awaited<ReturnType<typeof q.personById>>>;

/**
 * One part of the export. Another domain (events and bookings, say) adds its records by adding an
 * entry here; `rows` may return null when its table is not there, and the section is left out.
 */
export interface ExportSection {
	key: string;
	title: string;
	about: string;
	rows: (db: Db, person: Person) => Promise<Row[] | null>;
}

export const EXPORT_SECTIONS: ExportSection[] = [
	{
		key: 'profile',
		title: 'Your profile',
		about: 'Your account: name, email, organisation, team, audience and status.',
		rows: (db, p) => q.held.profile(db, p.id)
	},
	{
		key: 'roles',
		title: 'Organisations you manage',
		about:
			'Organisations whose people you can manage. Partnership admin rights are in your profile.',
		rows: (db, p) => q.held.managedOrganisations(db, p.id)
	},
	{
		key: 'courseProgress',
		title: 'Course progress',
		about: 'Courses you started and where you were.',
		rows: (db, p) => q.held.courseProgress(db, p.id)
	},
	{
		key: 'lessonVisits',
		title: 'Lessons opened',
		about: 'Each lesson and when you first opened it.',
		rows: (db, p) => q.held.lessonVisits(db, p.id)
	},
	{
		key: 'assessmentAttempts',
		title: 'Assessment attempts',
		about:
			'Each try at a final assessment: the questions you were shown, your graded answers and the result.',
		rows: (db, p) => q.held.attempts(db, p.id)
	},
	{
		key: 'assessmentAnswers',
		title: 'Assessment answers as you chose them',
		about:
			'Answers saved while you took an assessment (the option number in the order you saw them).',
		rows: (db, p) => q.held.answers(db, p.id)
	},
	{
		key: 'scormRegistrations',
		title: 'E-learning packages',
		about: 'Each time you took an e-learning (SCORM) package.',
		rows: (db, p) => q.held.scormRegistrations(db, p.id)
	},
	{
		key: 'scormRuntime',
		title: 'E-learning package data',
		about: 'What each package recorded (its run-time data), as it last stood.',
		rows: (db, p) => q.held.scormRuntime(db, p.id)
	},
	{
		key: 'scormCommits',
		title: 'E-learning package history',
		about: 'Each time a package saved your progress.',
		rows: (db, p) => q.held.scormCommits(db, p.id)
	},
	{
		key: 'completions',
		title: 'Completions',
		about: 'Courses you completed, including training recorded for you by a manager.',
		rows: (db, p) => q.held.completions(db, p.id)
	},
	{
		key: 'certificates',
		title: 'Certificates',
		about: 'Certificates issued to you.',
		rows: (db, p) => q.held.certificates(db, p.id)
	},
	{
		key: 'assignments',
		title: 'Courses assigned to you',
		about: 'Courses a manager gave you with a due date.',
		rows: (db, p) => q.held.assignments(db, p.id)
	},
	{
		key: 'bookings',
		title: 'Event bookings',
		about:
			'Places you booked, waited for or cancelled on face-to-face and online events, with any access needs you gave (deleted soon after the event).',
		rows: (db, p) => q.held.bookings(db, p.id)
	},
	{
		key: 'attendance',
		title: 'Event attendance',
		about: 'Whether you attended each session of an event you were booked on.',
		rows: (db, p) => q.held.attendance(db, p.id)
	},
	{
		key: 'reminders',
		title: 'Reminders sent',
		about: 'Each reminder sent to you.',
		rows: (db, p) => q.held.reminders(db, p.id)
	},
	{
		key: 'emails',
		title: 'Emails to you',
		about: 'Copies of emails the platform sent you.',
		rows: (db, p) => q.held.emails(db, p.email)
	},
	{
		key: 'audit',
		title: 'Audit entries about you',
		about:
			'Changes to your account and records, as the audit log records them: who, what, when and why.',
		rows: (db, p) => q.held.audit(db, p.id)
	},
	{
		key: 'auditActions',
		title: 'Changes you made',
		about:
			'Changes you made as a manager or admin, by kind and time. The details are about other people, so they are not included.',
		rows: (db, p) => q.held.auditActions(db, p.id)
	}
];

export interface SubjectAccessExport {
	generatedAt: string;
	partnership: string;
	person: { id: string; name: string; email: string };
	sections: { key: string; title: string; about: string; rows: Row[] }[];
}

async function buildExport(db: Db, person: Person, now: Date): Promise<SubjectAccessExport> {
	const branding = await getBranding(db);
	const sections: SubjectAccessExport['sections'] = [];
	for (const section of EXPORT_SECTIONS) {
		const rows = await section.rows(db, person);
		if (rows)
			sections.push({
				key: section.key,
				title: section.title,
				about: section.about,
				rows: rows.map(plain)
			});
	}
	return {
		generatedAt: now.toISOString(),
		partnership: branding.fullName,
		person: { id: person.id, name: person.name, email: person.email },
		sections
	};
}

/** Dates as ISO strings and nothing a JSON file cannot hold. */
function plain(row: Row): Row {
	return Object.fromEntries(
		Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])
	);
}

/** Everything held about the signed-in person. */
export async function myData(db: Db, me: AuthUser, now = new Date()): Promise<SubjectAccessExport> {
	const person = await q.personById(db, me.id);
	if (!person) throw new NotFoundError('We could not find your account.');
	return buildExport(db, person, now);
}

const adminExportSchema = z.object({ reason: reasonField });

/** An admin answering a request made another way (by email, say): audit-logged with the reason. */
export async function exportForRequest(
	db: Db,
	actor: AuthUser,
	personId: string,
	raw: unknown,
	format: 'json' | 'html',
	now = new Date()
): Promise<SubjectAccessExport> {
	assertAdmin(actor);
	const { reason } = parseInput(adminExportSchema, raw);
	const person = await personFor(db, personId);
	return db.transaction(async (tx) => {
		const data = await buildExport(tx, person, now);
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'privacy.export',
				targetType: 'person',
				targetId: person.id,
				organisationId: person.organisationId,
				reason,
				details: { format, sections: data.sections.map((s) => s.key) }
			},
			now
		);
		return data;
	});
}

async function personFor(db: Db, personId: string): Promise<Person> {
	const id = z.uuid().safeParse(personId);
	const person = id.success ? await q.personById(db, id.data) : null;
	if (!person) throw new NotFoundError('We could not find that person.');
	return person;
}

/** Finds the person a request is about, by the email address it gave. */
export async function findPersonForRequest(db: Db, actor: AuthUser, raw: unknown) {
	assertAdmin(actor);
	const { email } = parseInput(z.object({ email: emailField }), raw);
	const person = await q.personByEmail(db, email);
	if (!person)
		throw new ValidationError({
			email: 'Nobody has that email address. Check it, or search People by name.'
		});
	return { id: person.id };
}

export async function requestSubject(db: Db, actor: AuthUser, personId: string) {
	assertAdmin(actor);
	const p = await personFor(db, personId);
	const [profile] = await q.held.profile(db, p.id);
	return {
		id: p.id,
		name: p.name,
		email: p.email,
		organisation: String(profile?.organisation ?? ''),
		status: p.status,
		anonymisedAt: p.anonymisedAt,
		restrictedAt: p.restrictedAt,
		isSelf: p.id === actor.id
	};
}

export function exportFileName(data: SubjectAccessExport, format: 'json' | 'html'): string {
	return `personal-data-${data.generatedAt.slice(0, 10)}.${format}`;
}

const escapeHtml = (s: string) =>
	s.replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
	);
const london = new Intl.DateTimeFormat('en-GB', {
	dateStyle: 'long',
	timeStyle: 'short',
	timeZone: 'Europe/London'
});
const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const words = (key: string) =>
	key
		.replace(/([A-Z])/g, ' $1')
		.replace(/_/g, ' ')
		.replace(/^./, (c) => c.toUpperCase());

function cell(value: unknown): string {
	if (value === null || value === undefined || value === '')
		return '<span class="none">none</span>';
	if (typeof value === 'boolean') return value ? 'yes' : 'no';
	if (typeof value === 'string' && isoDate.test(value))
		return `<time datetime="${value}">${escapeHtml(london.format(new Date(value)))}</time>`;
	if (typeof value === 'object') return `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
	return escapeHtml(String(value));
}

/**
 * The same export as a document a person can read and print: one heading per section, each record
 * as a list of its fields (a list, not a wide table, so it reads at 320 px and on paper).
 */
export function exportHtml(data: SubjectAccessExport): string {
	const sections = data.sections
		.map((s) => {
			const body = s.rows.length
				? s.rows
						.map(
							(row, i) =>
								`<section class="record" aria-label="${escapeHtml(s.title)}, record ${i + 1}"><dl>${Object.entries(
									row
								)
									.map(([k, v]) => `<dt>${escapeHtml(words(k))}</dt><dd>${cell(v)}</dd>`)
									.join('')}</dl></section>`
						)
						.join('\n')
				: '<p>Nothing is held.</p>';
			return `<h2 id="${s.key}">${escapeHtml(s.title)} (${s.rows.length})</h2>\n<p>${escapeHtml(s.about)}</p>\n${body}`;
		})
		.join('\n');
	const contents = data.sections
		.map((s) => `<li><a href="#${s.key}">${escapeHtml(s.title)}</a> (${s.rows.length})</li>`)
		.join('');
	return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Personal data held about ${escapeHtml(data.person.name)} – ${escapeHtml(data.partnership)}</title>
<style>
body{font-family:system-ui,sans-serif;line-height:1.5;margin:1rem auto;max-width:50rem;padding:0 1rem;color:#0b0c0c}
dl{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.25rem 1rem;margin:0}
dt{font-weight:700}dd{margin:0;overflow-wrap:anywhere}
.record{border-top:1px solid #b1b4b6;padding:.5rem 0}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font-size:.85rem}
.none{color:#505a5f}
@media (max-width:30rem){dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}}
</style>
</head>
<body>
<main>
<h1>Personal data held about ${escapeHtml(data.person.name)}</h1>
<p>Everything ${escapeHtml(data.partnership)} holds about ${escapeHtml(data.person.email)} on its learning platform, as at <time datetime="${data.generatedAt}">${escapeHtml(london.format(new Date(data.generatedAt)))}</time>. Times are UK time.</p>
<h2>Contents</h2>
<ul>${contents}</ul>
${sections}
</main>
</body>
</html>
`;
}

// --- Erasure and restriction -------------------------------------------------------------------------

export const requestKinds = ['erasure', 'restriction'] as const;
export type RequestKind = (typeof requestKinds)[number];
const requestSchema = z.object({
	kind: z.enum(requestKinds, { error: 'Choose erasure or restriction' }),
	reason: reasonField
});

export interface PreviewItem {
	what: string;
	count: number;
	why: string;
}
export interface RequestPreview {
	kind: RequestKind;
	person: {
		id: string;
		name: string;
		email: string;
		status: string;
		anonymised: boolean;
		restricted: boolean;
	};
	/** why it cannot go ahead (yet), or null */
	blocked: string | null;
	removed: PreviewItem[];
	kept: PreviewItem[];
	legalBasis: string;
}

const KEEP_REASON = {
	records:
		'Public task (UK GDPR article 6(1)(e)). Erasure does not apply where the data is needed for a task in the public interest (article 17(3)(b)): the partnership must be able to show which of its people were trained, and its figures are counted from these records. Anonymised, they no longer identify anyone.',
	certificates:
		'Anyone holding one of these certificates can still check that it is genuine and its dates. The name is removed from the record, so a check no longer shows it.',
	audit:
		'Accountability (article 5(2)): the audit log shows who changed what and why. Names and email addresses are taken out of it; the entries stay for their own retention period.'
};

export async function previewRequest(
	db: Db,
	actor: AuthUser,
	personId: string,
	rawKind: unknown
): Promise<RequestPreview> {
	assertAdmin(actor);
	const kind = z.enum(requestKinds).catch('erasure').parse(rawKind);
	const person = await personFor(db, personId);
	const c = await q.erasureCounts(db, person.id, person.email);
	const base = {
		kind,
		person: {
			id: person.id,
			name: person.name,
			email: person.email,
			status: person.status,
			anonymised: Boolean(person.anonymisedAt),
			restricted: Boolean(person.restrictedAt)
		}
	};
	const blocked =
		person.id === actor.id
			? 'You cannot make this request about your own account. Ask another partnership admin.'
			: person.anonymisedAt
				? 'This person has already been anonymised. Nothing more can be removed.'
				: kind === 'restriction' && person.restrictedAt
					? 'Processing of this person’s data is already restricted.'
					: null;
	const keptRecords: PreviewItem[] = [
		{
			what: 'Completions (course, date, score), kept without a name',
			count: c.completions,
			why: KEEP_REASON.records
		},
		{
			what: 'Course progress, assigned courses and the log of reminders sent',
			count: c.progress + c.assignments + c.reminders,
			why: KEEP_REASON.records
		},
		{
			what: 'Organisation, team, audience and dates joined and left',
			count: 1,
			why: KEEP_REASON.records
		},
		{
			what: 'Certificates: code, course and dates',
			count: c.certificates,
			why: KEEP_REASON.certificates
		},
		{
			what: 'Audit entries about this person, without their name or email',
			count: c.audit,
			why: KEEP_REASON.audit
		}
	];
	if (kind === 'restriction')
		return {
			...base,
			blocked,
			removed: [
				...(person.status === 'active'
					? [
							{
								what: 'Access: the account is deactivated and signed out, so no reminders or emails go',
								count: 1 + c.sessions,
								why: 'Restricted data may be stored but not otherwise used (article 18(2)).'
							}
						]
					: [])
			],
			kept: [
				{
					what: 'Everything else, exactly as it is. Retention rules do not touch it until the restriction is lifted',
					count: c.completions + c.attempts + c.runtime + c.emails + c.audit,
					why: 'Article 18: while restricted (for example while the accuracy of the data is checked, or the person needs it for a legal claim), data is kept but not used.'
				}
			],
			legalBasis: 'UK GDPR article 18 (right to restriction of processing).'
		};
	return {
		...base,
		blocked,
		removed: [
			...(person.status === 'active'
				? [
						{
							what: 'Access: the account is deactivated and signed out (this takes the person out of current figures, as any deactivation does)',
							count: 1,
							why: 'An anonymised account cannot be used.'
						}
					]
				: []),
			{
				what: 'Name and email address, replaced by "Anonymised person"',
				count: 1,
				why: 'Article 17: personal details not needed for the public task are erased.'
			},
			{
				what: 'Password, sessions and unused links',
				count: 1 + c.sessions + c.tokens,
				why: 'Not needed once the account cannot be used.'
			},
			{
				what: 'Manager and admin rights',
				count: c.managed + (person.isAdmin ? 1 : 0),
				why: 'Not needed once the account cannot be used.'
			},
			{
				what: 'Assessment questions and answers (the score and result stay)',
				count: c.attempts + c.answers,
				why: 'Only the outcome is needed to show the person was trained.'
			},
			{
				what: 'E-learning package data and history (status, score and time stay)',
				count: c.runtime + c.commits,
				why: 'Only the outcome is needed to show the person was trained.'
			},
			{
				what: 'Copies of emails to them (text and address)',
				count: c.emails,
				why: 'Not needed for the public task.'
			},
			{
				what: 'Name on certificates (verification then shows genuine and dates only)',
				count: c.certificates,
				why: 'The certificate record no longer needs to identify anyone.'
			}
		],
		kept: keptRecords,
		legalBasis:
			'UK GDPR article 17, limited by article 17(3)(b) (public task) for the training records themselves.'
	};
}

/**
 * Carries out an erasure or restriction request in one transaction: everything it touches changes
 * or nothing does. Audit-logged with the reason (and no name, for an erasure).
 */
export async function carryOutRequest(
	db: Db,
	actor: AuthUser,
	personId: string,
	raw: unknown,
	now = new Date()
) {
	assertAdmin(actor);
	const input = parseInput(requestSchema, raw);
	const preview = await previewRequest(db, actor, personId, input.kind);
	if (preview.blocked) throw new ConflictError(preview.blocked);
	return db.transaction(async (tx) => {
		const person = await personFor(tx, personId);
		if (person.anonymisedAt) throw new ConflictError('This person has already been anonymised.');
		// Deactivation goes through People, so whatever else deactivating does (sessions, figures) happens here too.
		const deactivated =
			person.status === 'active'
				? (
						await setPersonStatus(
							tx,
							actor,
							person.id,
							'deactivated',
							`${input.kind} request: ${input.reason}`,
							now
						)
					).changed
				: false;
		let details: Record<string, unknown> = { deactivated };
		if (input.kind === 'restriction') {
			await q.setRestricted(tx, person.id, now);
		} else {
			details = { ...details, ...(await anonymise(tx, person, now)) };
		}
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: input.kind === 'erasure' ? 'privacy.erasure' : 'privacy.restriction',
				targetType: 'person',
				targetId: person.id,
				organisationId: person.organisationId,
				reason: input.reason,
				details
			},
			now
		);
		return { kind: input.kind, details };
	});
}

export async function liftRestriction(
	db: Db,
	actor: AuthUser,
	personId: string,
	raw: unknown,
	now = new Date()
) {
	assertAdmin(actor);
	const { reason } = parseInput(z.object({ reason: reasonField }), raw);
	const person = await personFor(db, personId);
	if (!person.restrictedAt)
		throw new ConflictError('Processing of this person’s data is not restricted.');
	await db.transaction(async (tx) => {
		await q.setRestricted(tx, person.id, null);
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'privacy.restriction-lifted',
				targetType: 'person',
				targetId: person.id,
				organisationId: person.organisationId,
				reason
			},
			now
		);
	});
}

async function anonymise(tx: Db, person: Person, now: Date) {
	const attempts = await q.reduceAttempts(tx, await q.attemptsOf(tx, person.id), now);
	const scorm = await q.reduceScorm(tx, await q.registrationsOf(tx, person.id));
	const rest = await q.anonymisePersonRow(tx, person, now);
	return {
		...rest,
		attempts: attempts.attempts,
		answers: attempts.answers,
		scormRuntime: scorm.runtime,
		scormCommits: scorm.commits
	};
}

// --- Retention ------------------------------------------------------------------------------------------

export interface RetentionReport {
	asOf: string;
	rules: {
		key: string;
		what: string;
		period: string;
		cutoff: string;
		done: Record<string, number>;
		error?: string;
	}[];
}

const minus = (now: Date, { years = 0, months = 0, days = 0 }) => {
	const d = new Date(now);
	d.setUTCFullYear(d.getUTCFullYear() - years, d.getUTCMonth() - months, d.getUTCDate() - days);
	return d;
};

/**
 * Applies the partnership's retention periods as of `now` and records what it did. Each person is
 * anonymised in a transaction of their own and each other rule in one of its own, so a failure
 * stops that rule only and is reported; nothing is left half-changed.
 */
export async function runRetention(db: Db, now = new Date()): Promise<RetentionReport> {
	const r = await retentionSettings(db);
	const lines = Object.fromEntries(retentionLines(r).map((l) => [l.key, l]));
	const runId = await q.startRun(db, now);
	const report: RetentionReport = { asOf: now.toISOString(), rules: [] };
	const rule = async (
		key: string,
		cutoff: Date,
		work: (cutoff: Date) => Promise<Record<string, number>>
	) => {
		const entry = {
			key,
			what: lines[key]!.what,
			period: lines[key]!.period,
			cutoff: cutoff.toISOString(),
			done: {} as Record<string, number>
		} as RetentionReport['rules'][number];
		try {
			entry.done = await work(cutoff);
		} catch (error) {
			entry.error = error instanceof Error ? error.message : String(error);
			logger.error('retention rule failed', { rule: key, error: entry.error });
		}
		report.rules.push(entry);
	};
	await rule(
		'deactivatedPeople',
		minus(now, { years: r.deactivatedPeople.years }),
		async (cutoff) => {
			let people = 0;
			for (const id of await q.leaversBefore(db, cutoff)) {
				await db.transaction(async (tx) => {
					const person = await q.personById(tx, id);
					if (
						!person ||
						person.anonymisedAt ||
						person.restrictedAt ||
						person.status !== 'deactivated'
					)
						return;
					const details = await anonymise(tx, person, now);
					await recordAudit(
						tx,
						{
							actorId: null,
							action: 'privacy.anonymised',
							targetType: 'person',
							targetId: id,
							organisationId: person.organisationId,
							reason: `Retention: left more than ${lines.deactivatedPeople!.period} ago`,
							details
						},
						now
					);
					people++;
				});
			}
			return { people };
		}
	);
	await rule(
		'assessmentDetail',
		minus(now, { months: r.assessmentDetail.months }),
		async (cutoff) =>
			db.transaction(async (tx) => {
				const attempts = await q.reduceAttempts(
					tx,
					await q.attemptsSubmittedBefore(tx, cutoff),
					now
				);
				const scorm = await q.reduceScorm(tx, await q.registrationsCompletedBefore(tx, cutoff));
				return {
					attempts: attempts.attempts,
					answers: attempts.answers,
					scormRuntime: scorm.runtime,
					scormCommits: scorm.commits
				};
			})
	);
	await rule('emailBodies', minus(now, { days: r.emailBodies.days }), async (cutoff) => ({
		emails: await db.transaction((tx) => q.removeEmailBodies(tx, cutoff, r.emailBodies.days))
	}));
	await rule('auditEntries', minus(now, { years: r.auditEntries.years }), async (cutoff) => ({
		entries: await db.transaction((tx) => q.deleteAuditBefore(tx, cutoff))
	}));
	await q.finishRun(db, runId, report as unknown as Record<string, unknown>);
	logger.info('retention applied', {
		asOf: report.asOf,
		done: Object.fromEntries(report.rules.map((x) => [x.key, x.done]))
	});
	return report;
}

export async function retentionOverview(db: Db, actor: AuthUser) {
	assertAdmin(actor);
	const runs = await q.recentRuns(db, 10);
	return {
		lines: retentionLines(await retentionSettings(db)),
		runs: runs.map((run) => ({
			id: run.id,
			asOf: run.asOf,
			startedAt: run.startedAt,
			finishedAt: run.finishedAt,
			report: run.report as unknown as RetentionReport
		}))
	};
}
