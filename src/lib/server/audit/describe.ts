/**
 * The audit log in plain sentences: one describer per kind of action the platform writes, so an
 * admin reads "Sam Patel (admin) moved Jo Bloggs from Kirklees Council to West Yorkshire Police"
 * rather than an action code and JSON. `AuditAction` is the union of the keys here, and
 * `recordAudit` takes only an `AuditAction`: a new kind without a describer does not compile.
 */
import { formatDate, pluralCount } from '../../format.ts';

/** The kinds of thing an id in an entry can name; each is looked up once per page of entries. */
export const NAME_KINDS = [
	'person',
	'organisation',
	'team',
	'event',
	'course',
	'requirement',
	'assignment',
	'completion',
	'contact',
	'scormPackage'
] as const;
export type NameKind = (typeof NAME_KINDS)[number];
/** Names by kind and id: people's names, organisations', teams', events' titles, and the course a requirement, assignment, completion or package is for. */
export type AuditNames = Record<NameKind, Map<string, string>>;

export interface AuditActor {
	id: string;
	name: string;
	/** their role today (the log does not store the role they had then) */
	role: 'admin' | 'manager' | null;
}

export interface AuditRecord {
	action: string;
	actor: AuditActor | null;
	targetType: string;
	targetId: string | null;
	organisationId: string | null;
	reason: string | null;
	details: Record<string, unknown>;
}

/** What a describer reads an entry through: names resolved, values checked, phrases ready to use. */
export interface Said {
	/** "Sam Patel (admin)", or "The system" for the platform's own jobs */
	who: string;
	/** the person the entry is about, by name */
	whom: string;
	/** the actor acted on their own account */
	self: boolean;
	/** "their" when the actor acted on their own account, else "Jo Bloggs's" */
	whose: string;
	target: { type: string; id: string | null };
	/** the organisation the entry is filed under */
	organisation: string;
	/** a value of the entry's details, unchecked */
	raw(key: string): unknown;
	/** a non-empty string value of the details */
	text(key: string): string | undefined;
	number(key: string): number | undefined;
	flag(key: string): boolean | undefined;
	/** a { from, to } pair, as people's and organisations' changes are stored */
	change(key: string): { from: unknown; to: unknown } | undefined;
	name(kind: NameKind, id: unknown): string;
	/** a name in quotes (“Prevent awareness”), or, when it is no longer on record, words saying so */
	titled(kind: NameKind, id: unknown, storedName?: string): string;
	/** the name of the entry's target, by its type */
	targetName(): string;
	/** the target's name in quotes, as titled() does */
	targetTitle(): string;
	/** a name stored in the details (as it was then), in quotes, else the target's name now */
	textOrTarget(key: string): string;
	/** the entry's reason, for kinds whose sentence carries it */
	reasonText(): string | undefined;
}

interface AuditKind {
	/** the filter's label for this kind */
	label: string;
	describe: (s: Said) => string;
	/** the entry's reason is part of the sentence already (or says nothing new), so it is not appended */
	reasonInSentence?: true;
}

const AUDIENCE: Record<string, string> = {
	frontline: 'front-line officer',
	community: 'community contact'
};
const audience = (value: unknown) =>
	typeof value === 'string' ? (AUDIENCE[value] ?? value) : 'no audience';
const aAudience = (value: unknown) => {
	const words = audience(value);
	return /^[aeiou]/i.test(words) ? `an ${words}` : `a ${words}`;
};

const PROTOCOL: Record<string, string> = { oidc: 'OpenID Connect', saml: 'SAML' };
/** " (SAML)", or nothing when the entry does not say */
const protocol = (value: unknown) =>
	typeof value === 'string' && value ? ` (${PROTOCOL[value] ?? value.toUpperCase()})` : '';

const scormVersion = (value: unknown) =>
	typeof value === 'string'
		? `SCORM ${value.replace(/^2004-(\d)$/, (_all, edition: string) => `2004 (edition ${edition})`)}`
		: 'SCORM';

const BOOKING: Record<string, string> = {
	booked: 'a place',
	waiting: 'a place on the waiting list',
	'pending-approval': 'a request waiting for approval',
	cancelled: 'a cancelled booking',
	declined: 'a declined request'
};
const ATTENDANCE: Record<string, string> = {
	attended: 'attended',
	partly: 'attended part',
	absent: 'absent'
};

const quoted = (value: unknown) => `“${String(value ?? '')}”`;

/** "A", "A and B", "A, B and C" */
export function listInWords(items: readonly string[]): string {
	if (items.length <= 1) return items[0] ?? '';
	return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

const possessive = (name: string) => `${name}’s`;

function dateOf(value: unknown): string | undefined {
	if (typeof value !== 'string' && !(value instanceof Date)) return undefined;
	const time = new Date(value);
	return Number.isNaN(time.getTime()) ? undefined : formatDate(time);
}

const stringList = (value: unknown): string[] =>
	Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * The clauses of a change to a person (as people.updatePerson stores it): the first names them,
 * the rest say "them" and "their", so several changes read as one sentence.
 */
function personChanges(s: Said): string {
	const clauses: ((obj: string, poss: string) => string)[] = [];
	const name = s.change('name');
	if (name) clauses.push((obj) => `renamed ${obj} from ${quoted(name.from)} to ${quoted(name.to)}`);
	const org = s.change('organisationId');
	if (org)
		clauses.push(
			(obj) =>
				`moved ${obj} from ${s.name('organisation', org.from)} to ${s.name('organisation', org.to)}`
		);
	const team = s.change('teamId');
	if (team)
		clauses.push((obj) =>
			!team.to
				? `took ${obj} out of the team ${s.name('team', team.from)}`
				: !team.from
					? `put ${obj} in the team ${s.name('team', team.to)}`
					: `moved ${obj} from the team ${s.name('team', team.from)} to ${s.name('team', team.to)}`
		);
	const aud = s.change('audience');
	if (aud)
		clauses.push(
			(_obj, poss) => `changed ${poss} audience from ${audience(aud.from)} to ${audience(aud.to)}`
		);
	const admin = s.change('isAdmin');
	if (admin)
		clauses.push((obj, poss) =>
			admin.to ? `made ${obj} a partnership admin` : `removed ${poss} partnership admin role`
		);
	const managerOf = s.change('managerOf');
	if (managerOf) {
		const before = stringList(managerOf.from);
		const after = stringList(managerOf.to);
		const added = after
			.filter((id) => !before.includes(id))
			.map((id) => s.name('organisation', id));
		const removed = before
			.filter((id) => !after.includes(id))
			.map((id) => s.name('organisation', id));
		if (added.length) clauses.push((obj) => `made ${obj} a manager of ${listInWords(added)}`);
		if (removed.length)
			clauses.push((obj) => `removed ${obj} as a manager of ${listInWords(removed)}`);
	}
	if (clauses.length === 0) return `${s.who} changed ${possessive(s.whom)} details`;
	const words = clauses.map((clause, i) =>
		i === 0 ? clause(s.whom, possessive(s.whom)) : clause('them', 'their')
	);
	return `${s.who} ${listInWords(words)}`;
}

/** "title from “A” to “B”, active from yes to no" for an { from, to } pair of records. */
function fieldChanges(
	from: unknown,
	to: unknown,
	labels: Record<string, string>,
	show: (key: string, value: unknown) => string = (_key, value) => quoted(value)
): string[] {
	const before = (from ?? {}) as Record<string, unknown>;
	const after = (to ?? {}) as Record<string, unknown>;
	return Object.entries(labels)
		.filter(([key]) => key in after && JSON.stringify(before[key]) !== JSON.stringify(after[key]))
		.map(([key, label]) => `${label} from ${show(key, before[key])} to ${show(key, after[key])}`);
}

const withChanges = (lead: string, changes: string[]) =>
	changes.length ? `${lead}: ${listInWords(changes)}` : lead;

function courseValue(key: string, value: unknown): string {
	if (key === 'audiences') {
		const list = stringList(value).map(audience);
		return list.length ? listInWords(list) : 'nobody';
	}
	if (key === 'validityMonths')
		return typeof value === 'number' ? pluralCount(value, 'month', 'months') : 'no expiry';
	if (key === 'active') return value ? 'open' : 'closed';
	return quoted(value);
}

const event = (s: Said) =>
	s.titled(
		'event',
		s.text('eventId') ?? (s.target.type === 'event' ? s.target.id : undefined),
		s.text('title')
	);

/** Every kind of action the platform writes to the audit log, with its describer. */
export const AUDIT_KINDS = {
	// People and accounts
	'person.first-admin-created': {
		label: 'People: first admin set up',
		describe: (s) => `${s.who} set up the platform and became its first partnership admin`
	},
	'person.invited': {
		label: 'People: invited',
		describe: (s) => {
			const managerOf = stringList(s.raw('managerOf')).map((id) => s.name('organisation', id));
			const roles = [
				...(s.flag('isAdmin') ? ['a partnership admin'] : []),
				...(managerOf.length ? [`a manager of ${listInWords(managerOf)}`] : [])
			];
			return `${s.who} invited ${s.whom} to join ${s.organisation} as ${aAudience(s.text('audience'))}${roles.length ? `, and made them ${listInWords(roles)}` : ''}`;
		}
	},
	'person.invite-resent': {
		label: 'People: invitation sent again',
		describe: (s) => `${s.who} sent ${s.whom} a new invitation`
	},
	'person.invitation-accepted': {
		label: 'People: invitation accepted',
		describe: (s) => `${s.who} accepted their invitation and set a password`
	},
	'person.imported': {
		label: 'People: added by CSV import',
		describe: (s) =>
			`${s.who} added ${s.whom} to ${s.organisation} by CSV import (row ${s.number('line') ?? '?'})${s.flag('manager') ? ', as a manager' : ''}`,
		reasonInSentence: true
	},
	'person.updated-by-import': {
		label: 'People: updated by CSV import',
		describe: (s) =>
			`${s.who} updated ${possessive(s.whom)} details by CSV import (row ${s.number('line') ?? '?'})${s.flag('manager') ? ', and made them a manager' : ''}`,
		reasonInSentence: true
	},
	'person.updated': {
		label: 'People: details changed',
		describe: personChanges
	},
	'person.organisation-changed': {
		label: 'People: moved to another organisation',
		describe: personChanges
	},
	'person.role-changed': {
		label: 'People: roles changed',
		describe: personChanges
	},
	'person.deactivated': {
		label: 'People: account deactivated',
		describe: (s) => `${s.who} deactivated ${possessive(s.whom)} account`
	},
	'person.reactivated': {
		label: 'People: account reactivated',
		describe: (s) => `${s.who} reactivated ${possessive(s.whom)} account`
	},
	'person.name-changed': {
		label: 'People: name changed by themselves',
		describe: (s) =>
			`${s.who} changed the name they are shown by from ${quoted(s.raw('from'))} to ${quoted(s.raw('to'))}`
	},
	'person.password-changed': {
		label: 'People: password changed',
		describe: (s) => `${s.who} changed their password`
	},
	'person.password-reset': {
		label: 'People: password reset',
		describe: (s) => `${s.who} set a new password from a reset link`
	},
	// Learning records
	'assignment.created': {
		label: 'Learning: course assigned',
		describe: (s) => {
			const due = dateOf(s.raw('dueAt'));
			return `${s.who} assigned ${quoted(s.text('courseTitle'))} to ${s.whom}${due ? `, due by ${due}` : ''}`;
		}
	},
	'assignment.withdrawn': {
		label: 'Learning: assignment withdrawn',
		describe: (s) =>
			`${s.who} withdrew ${possessive(s.whom)} assignment to ${s.titled('assignment', s.raw('assignmentId'))}`
	},
	'completion.recorded-external': {
		label: 'Learning: completion recorded by a manager',
		describe: (s) => {
			const on = dateOf(s.raw('completedAt'));
			const evidence = s.text('evidence');
			return `${s.who} recorded that ${s.whom} completed ${quoted(s.text('courseTitle'))}${on ? ` on ${on}` : ''}${evidence ? ` (evidence: ${evidence})` : ''}`;
		}
	},
	'completion.approved-external': {
		label: 'Learning: training done elsewhere approved as equivalent',
		describe: (s) => {
			const on = dateOf(s.raw('completedAt'));
			return `${s.who} approved ${possessive(s.whom)} ${s.titled('completion', s.raw('completionId'))}${on ? ` (completed ${on})` : ''} as equivalent training`;
		}
	},
	'completion.recorded-event': {
		label: 'Learning: completion from attending an event',
		describe: (s) =>
			`${s.who} recorded that ${s.whom} completed ${quoted(s.text('courseTitle'))} by attending ${event(s)}`
	},
	'completion.corrected': {
		label: 'Learning: completion withdrawn',
		describe: (s) => {
			const on = dateOf(s.raw('completedAt'));
			return `${s.who} withdrew ${possessive(s.whom)} completion of ${s.titled('completion', s.raw('completionId'))}${on ? ` (completed ${on})` : ''}`;
		}
	},
	'certificate.revoked': {
		label: 'Learning: certificate revoked',
		describe: (s) =>
			`${s.who} revoked ${possessive(s.name('person', s.raw('learnerId')))} certificate for ${quoted(s.text('courseTitle'))} (code ${s.text('code') ?? 'unknown'})`
	},
	'reminder.sent': {
		label: 'Learning: reminder sent',
		describe: (s) => {
			const courses = stringList(s.raw('courses')).map(quoted);
			return `${s.who} sent ${s.whom} a reminder${courses.length ? ` about ${listInWords(courses)}` : ''}`;
		}
	},
	'requirement.created': {
		label: 'Requirements: added',
		describe: (s) => {
			const org = s.text('organisationId');
			const team = s.text('teamId');
			const aud = s.text('audience');
			const who = [
				aud ? `every ${audience(aud)}` : 'everyone',
				org ? `in ${s.name('organisation', org)}` : 'in every organisation',
				...(team ? [`(team ${s.name('team', team)})`] : [])
			].join(' ');
			const days = s.number('dueWithinDays');
			const renewal = s.number('renewalMonths');
			return `${s.who} required ${who} to complete ${quoted(s.text('courseTitle'))}${days !== undefined ? ` within ${pluralCount(days, 'day', 'days')}` : ''}${renewal ? `, renewed every ${pluralCount(renewal, 'month', 'months')}` : ''}`;
		}
	},
	'requirement.retired': {
		label: 'Requirements: retired',
		describe: (s) =>
			`${s.who} retired the requirement to complete ${s.targetTitle()}${s.organisation ? ` in ${s.organisation}` : ''}`
	},
	'requirement.route-added': {
		label: 'Requirements: another course meets it',
		describe: (s) =>
			`${s.who} added ${s.titled('course', s.raw('courseId'), s.text('courseTitle'))} as another course that meets the requirement to complete ${s.targetTitle()}`
	},
	'requirement.route-removed': {
		label: 'Requirements: a course no longer meets it',
		describe: (s) =>
			`${s.who} took ${s.titled('course', s.raw('courseId'))} off the courses that meet the requirement to complete ${s.targetTitle()}`
	},
	'tracking.drift-checked': {
		label: 'Tracking: stored status checked',
		describe: (s) => {
			const checked = s.number('checked') ?? 0;
			const drift = s.number('drift') ?? 0;
			return `${s.who} checked the stored training status (${pluralCount(checked, 'record', 'records')}) against a fresh calculation and found ${drift === 0 ? 'no differences' : pluralCount(drift, 'difference', 'differences')}`;
		}
	},
	// Events
	'event.created': {
		label: 'Events: created',
		describe: (s) => {
			const sessions = s.number('sessions');
			return `${s.who} created the event ${s.textOrTarget('title')}${sessions ? ` with ${pluralCount(sessions, 'session', 'sessions')}` : ''}`;
		}
	},
	'event.changed': {
		label: 'Events: changed',
		describe: (s) =>
			`${s.who} changed the event ${s.textOrTarget('title')}${s.flag('timesChanged') ? ', including its times' : ''}`
	},
	'event.cancelled': {
		label: 'Events: cancelled',
		describe: (s) => `${s.who} cancelled the event ${s.targetTitle()}`
	},
	'event.booked': {
		label: 'Events: place booked',
		describe: (s) =>
			s.self
				? `${s.who} booked a place on ${event(s)}`
				: `${s.who} booked ${s.whom} a place on ${event(s)}`
	},
	'event.waitlisted': {
		label: 'Events: put on the waiting list',
		describe: (s) =>
			s.self
				? `${s.who} joined the waiting list for ${event(s)}`
				: `${s.who} put ${s.whom} on the waiting list for ${event(s)}`
	},
	'event.approval-requested': {
		label: 'Events: place asked for (needs approval)',
		describe: (s) =>
			`${s.who} asked for a place ${s.self ? '' : `for ${s.whom} `}on ${event(s)}, which needs a manager’s approval`
	},
	'event.booking-approved': {
		label: 'Events: booking approved',
		describe: (s) => `${s.who} approved ${possessive(s.whom)} booking on ${event(s)}`
	},
	'event.booking-declined': {
		label: 'Events: booking declined',
		describe: (s) => `${s.who} declined ${possessive(s.whom)} booking on ${event(s)}`
	},
	'event.booking-cancelled': {
		label: 'Events: booking cancelled',
		describe: (s) => {
			const was = BOOKING[s.text('was') ?? ''];
			return `${s.who} cancelled ${s.whose} booking on ${event(s)}${was ? ` (it was ${was})` : ''}`;
		}
	},
	'event.promoted': {
		label: 'Events: moved off the waiting list',
		describe: (s) =>
			`${s.whom} was given a place on ${event(s)} from the waiting list when a place came free`
	},
	'event.attendance-marked': {
		label: 'Events: attendance marked',
		describe: (s) =>
			`${s.who} marked attendance for ${pluralCount(s.number('marked') ?? 0, 'person', 'people')} at ${s.targetTitle()}`
	},
	'event.attendance-corrected': {
		label: 'Events: attendance corrected',
		describe: (s) =>
			`${s.who} corrected ${possessive(s.whom)} attendance at ${event(s)} from ${ATTENDANCE[s.text('from') ?? ''] ?? 'not marked'} to ${ATTENDANCE[s.text('to') ?? ''] ?? 'not marked'}`
	},
	// Organisations, teams and contacts
	'organisation.created': {
		label: 'Organisations: added',
		describe: (s) => `${s.who} added the organisation ${s.textOrTarget('name')}`
	},
	'organisation.updated': {
		label: 'Organisations: changed',
		describe: (s) =>
			withChanges(
				`${s.who} changed the organisation ${s.targetTitle()}`,
				fieldChanges(s.raw('from'), s.raw('to'), {
					name: 'name',
					kind: 'kind',
					description: 'description'
				})
			)
	},
	'team.created': {
		label: 'Teams: added',
		describe: (s) => `${s.who} added the team ${quoted(s.text('name'))} to ${s.organisation}`
	},
	'team.renamed': {
		label: 'Teams: renamed',
		describe: (s) =>
			`${s.who} renamed the team ${quoted(s.raw('from'))} in ${s.organisation} to ${quoted(s.raw('to'))}`
	},
	'contact.added': {
		label: 'Local contacts: added',
		describe: (s) => `${s.who} added the local contact ${s.textOrTarget('name')}`
	},
	'contact.updated': {
		label: 'Local contacts: changed',
		describe: (s) =>
			withChanges(
				`${s.who} changed the local contact ${s.targetTitle()}`,
				fieldChanges(s.raw('from'), s.raw('to'), {
					name: 'name',
					phone: 'phone',
					url: 'web address'
				})
			)
	},
	// Courses and SCORM
	'scorm.package.uploaded': {
		label: 'Courses: SCORM package uploaded',
		describe: (s) =>
			`${s.who} uploaded a ${scormVersion(s.raw('scormVersion'))} package for ${s.titled('course', s.raw('courseId'))}${s.number('files') ? ` (${pluralCount(s.number('files')!, 'file', 'files')})` : ''}`
	},
	'scorm.version.uploaded': {
		label: 'Courses: new SCORM version uploaded',
		describe: (s) =>
			`${s.who} uploaded version ${s.number('version') ?? '?'} of the SCORM package for ${s.titled('course', s.raw('courseId'))}`
	},
	'scorm.course.updated': {
		label: 'Courses: SCORM course changed',
		describe: (s) => {
			const before = s.raw('before');
			const after = s.raw('after');
			return withChanges(
				`${s.who} changed the course ${s.targetTitle()}`,
				fieldChanges(
					before,
					after,
					{ title: 'title', audiences: 'audiences', validityMonths: 'validity', active: 'status' },
					courseValue
				)
			);
		}
	},
	// Personal data
	'privacy.export': {
		label: 'Personal data: copy downloaded',
		describe: (s) =>
			`${s.who} downloaded a copy of ${possessive(s.whom)} personal data${s.text('format') ? ` (${s.text('format')!.toUpperCase()})` : ''}`
	},
	'privacy.erasure': {
		label: 'Personal data: erased on request',
		describe: (s) =>
			`${s.who} carried out an erasure request: ${possessive(s.whom)} personal details were removed and their learning records kept without their name`
	},
	'privacy.restriction': {
		label: 'Personal data: use restricted on request',
		describe: (s) =>
			`${s.who} restricted the use of ${possessive(s.whom)} personal data on their request`
	},
	'privacy.restriction-lifted': {
		label: 'Personal data: restriction lifted',
		describe: (s) => `${s.who} lifted the restriction on ${possessive(s.whom)} personal data`
	},
	'privacy.anonymised': {
		label: 'Personal data: anonymised by the retention rules',
		describe: (s) => `${possessive(s.whom)} personal details were removed by the retention rules`
	},
	// Single sign-on
	'sso.settings-changed': {
		label: 'Single sign-on: settings changed',
		describe: (s) => {
			const state = s.flag('enabled')
				? s.flag('required')
					? 'now on and required'
					: 'now on'
				: 'now off';
			return `${s.who} changed single sign-on for ${s.organisation}${protocol(s.raw('protocol'))}: ${state}${s.flag('allowCreate') ? ', creating accounts at first sign-in' : ''}${s.flag('secretChanged') ? ', with a new client secret' : ''}`;
		}
	},
	'sso.tested': {
		label: 'Single sign-on: tested',
		describe: (s) => {
			const outcome = s.text('outcome');
			return `${s.who} tested single sign-on for ${s.organisation}: ${outcome === 'refuse' ? `it would be refused${s.reasonText() ? ` (${s.reasonText()})` : ''}` : `it would ${outcome === 'create' ? 'create an account' : outcome === 'link' ? 'link an existing account' : 'sign the person in'}`}`;
		},
		reasonInSentence: true
	},
	'sso.refused': {
		label: 'Single sign-on: refused',
		describe: (s) =>
			`A sign-in through single sign-on for ${s.organisation} was refused${s.reasonText() ? `: ${s.reasonText()}` : ''}`,
		reasonInSentence: true
	},
	'sso.person-created': {
		label: 'Single sign-on: account created at first sign-in',
		describe: (s) =>
			`${possessive(s.whom)} account was created when they first signed in through single sign-on for ${s.organisation}${protocol(s.raw('protocol'))}`
	},
	'sso.linked': {
		label: 'Single sign-on: account linked',
		describe: (s) =>
			`${s.whom} linked their account to single sign-on for ${s.organisation}${protocol(s.raw('protocol'))}`
	},
	'sso.signed-in': {
		label: 'Single sign-on: signed in',
		describe: (s) => `${s.whom} signed in through single sign-on for ${s.organisation}`
	}
} satisfies Record<string, AuditKind>;

export type AuditAction = keyof typeof AUDIT_KINDS;
const kinds: Record<string, AuditKind | undefined> = AUDIT_KINDS;

export function isAuditAction(value: string): value is AuditAction {
	return Object.hasOwn(AUDIT_KINDS, value);
}

/** The filter's choices: every kind by its readable label, in label order. */
export function auditActionChoices(): { value: AuditAction; label: string }[] {
	return (Object.keys(AUDIT_KINDS) as AuditAction[])
		.map((value) => ({ value, label: AUDIT_KINDS[value].label }))
		.sort((a, b) => a.label.localeCompare(b.label, 'en-GB'));
}

/** Where an id in the details names something, by the key it is stored under. */
const DETAIL_NAMES: Record<string, NameKind> = {
	organisationId: 'organisation',
	managerOf: 'organisation',
	teamId: 'team',
	learnerId: 'person',
	eventId: 'event',
	courseId: 'course',
	completionId: 'completion',
	assignmentId: 'assignment'
};
const TARGET_NAMES: Record<string, NameKind> = {
	person: 'person',
	organisation: 'organisation',
	team: 'team',
	event: 'event',
	course: 'course',
	requirement: 'requirement',
	contact: 'contact',
	scorm_package: 'scormPackage'
};
const TARGET_WORDS: Record<string, string> = {
	certificate: 'a certificate',
	obligations: 'the stored training status',
	scorm_package: 'a SCORM package'
};

/** The ids a set of entries names, by kind, so each kind is looked up once. */
export function idsToName(records: readonly AuditRecord[]): Record<NameKind, Set<string>> {
	const ids = Object.fromEntries(NAME_KINDS.map((k) => [k, new Set<string>()])) as Record<
		NameKind,
		Set<string>
	>;
	const add = (kind: NameKind, value: unknown) => {
		if (typeof value === 'string' && value) ids[kind].add(value);
		else if (Array.isArray(value)) for (const v of value) add(kind, v);
		else if (value && typeof value === 'object' && 'from' in value && 'to' in value) {
			add(kind, value.from);
			add(kind, value.to);
		}
	};
	for (const record of records) {
		const targetKind = TARGET_NAMES[record.targetType];
		if (targetKind && record.targetId) add(targetKind, record.targetId);
		if (record.organisationId) add('organisation', record.organisationId);
		for (const [key, kind] of Object.entries(DETAIL_NAMES)) add(kind, record.details[key]);
	}
	return ids;
}

function actorPhrase(actor: AuditActor | null): string {
	if (!actor) return 'The system';
	return actor.role ? `${actor.name} (${actor.role})` : actor.name;
}

const UNKNOWN: Record<NameKind, string> = {
	person: 'a person no longer on record',
	organisation: 'an organisation no longer on record',
	team: 'a team no longer on record',
	event: 'an event no longer on record',
	course: 'a course no longer on record',
	requirement: 'a course no longer on record',
	assignment: 'a course no longer on record',
	completion: 'a course no longer on record',
	contact: 'a contact no longer on record',
	scormPackage: 'a course no longer on record'
};

function said(record: AuditRecord, names: AuditNames): Said {
	const details = record.details ?? {};
	const known = (kind: NameKind, id: unknown) =>
		typeof id === 'string' ? names[kind].get(id) : undefined;
	const name = (kind: NameKind, id: unknown) => known(kind, id) ?? UNKNOWN[kind];
	const titled = (kind: NameKind, id: unknown, storedName?: string) => {
		const found = known(kind, id) ?? storedName;
		return found === undefined ? UNKNOWN[kind] : quoted(found);
	};
	const targetKind = TARGET_NAMES[record.targetType];
	const personTarget = record.targetType === 'person' && record.targetId;
	const whom = personTarget ? name('person', record.targetId) : UNKNOWN.person;
	const self = Boolean(personTarget && record.actor && record.actor.id === record.targetId);
	const text = (key: string) => {
		const value = details[key];
		return typeof value === 'string' && value.trim() ? value : undefined;
	};
	return {
		who: actorPhrase(record.actor),
		whom,
		self,
		whose: self ? 'their' : possessive(whom),
		target: { type: record.targetType, id: record.targetId },
		organisation: record.organisationId ? name('organisation', record.organisationId) : '',
		raw: (key) => details[key],
		text,
		number: (key) => {
			const value = details[key];
			return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
		},
		flag: (key) => (typeof details[key] === 'boolean' ? (details[key] as boolean) : undefined),
		change: (key) => {
			const value = details[key];
			return value && typeof value === 'object' && 'from' in value && 'to' in value
				? { from: value.from, to: value.to }
				: undefined;
		},
		name,
		titled,
		targetName: () =>
			targetKind
				? name(targetKind, record.targetId)
				: (TARGET_WORDS[record.targetType] ?? record.targetType.replaceAll('_', ' ')),
		targetTitle: () =>
			targetKind
				? titled(targetKind, record.targetId)
				: (TARGET_WORDS[record.targetType] ?? record.targetType.replaceAll('_', ' ')),
		textOrTarget(key) {
			const stored = text(key);
			return stored ? quoted(stored) : this.targetTitle();
		},
		reasonText: () => record.reason?.trim() || undefined
	};
}

/** "Person colour-changed" from "person.colour-changed": readable, for a kind with no describer. */
export function humaniseAction(action: string): string {
	const words = action.replace(/[._-]+/g, ' ').trim();
	return words.charAt(0).toUpperCase() + words.slice(1);
}

const sentenceEnd = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * One entry as a sentence: who did what to whom, then "Reason: …". An action with no describer
 * (an entry written by an older or newer release) still reads as a sentence.
 */
export function describeAuditEntry(record: AuditRecord, names: AuditNames): string {
	const s = said(record, names);
	const kind = kinds[record.action];
	const body = kind
		? kind.describe(s)
		: `${s.who} made a change recorded as ${quoted(humaniseAction(record.action))}, about ${record.targetType === 'person' ? s.whom : s.targetName()}`;
	const reason = s.reasonText();
	const sentence = sentenceEnd(capitalised(body));
	return reason && !kind?.reasonInSentence
		? `${sentence} Reason: ${sentenceEnd(reason)}`
		: sentence;
}
