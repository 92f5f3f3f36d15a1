import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
	AUDIT_KINDS,
	auditActionChoices,
	describeAuditEntry,
	idsToName,
	NAME_KINDS,
	type AuditNames,
	type AuditRecord
} from '../../src/lib/server/audit/describe.ts';
import { pluralCount } from '../../src/lib/format.ts';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir = SRC): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(full);
		return /\.(ts|svelte)$/.test(entry.name) ? [full] : [];
	});
}

/**
 * Every place in src that writes an audit entry (a recordAudit call, or a bulk insert into
 * audit_log), with the action expression it writes: from `action:` to the target's type.
 */
function auditWrites() {
	const writes: { where: string; expression: string }[] = [];
	for (const file of sourceFiles()) {
		const text = fs.readFileSync(file, 'utf8');
		const starts = [
			...text.matchAll(/recordAudit\(\s*(?!db: Db)|insertMany\(\s*\w+,\s*'audit_log'/g)
		];
		for (const start of starts) {
			// A bulk insert names its columns' types first; the values come from the rows it maps.
			const rows = start[0].startsWith('insertMany') ? text.indexOf('.map(', start.index) : -1;
			const rest = text.slice(rows === -1 ? start.index : rows);
			const found = /\baction:([\s\S]*?)\b(targetType|target_type):/.exec(rest);
			const where = `${path.relative(SRC, file)}:${text.slice(0, start.index).split('\n').length}`;
			writes.push({ where, expression: found?.[1] ?? '' });
		}
	}
	return writes;
}

const ACTION_LITERAL = /'([a-z]+\.[a-z][a-z.-]*)'/g;

describe('every audit action written in src has a describer', () => {
	const writes = auditWrites();

	it('finds the audit writes (the scan is not looking at nothing)', () => {
		expect(writes.length).toBeGreaterThanOrEqual(45);
	});

	it.each(writes)('$where writes only described actions, spelt out in full', ({ expression }) => {
		// A computed action (a template literal or a variable) cannot be checked here: spell each one out.
		expect(expression, 'no template literal').not.toContain('`');
		const actions = [...expression.matchAll(ACTION_LITERAL)].map((m) => m[1]!);
		expect(actions.length, `an action literal in: ${expression.trim()}`).toBeGreaterThan(0);
		for (const action of actions) expect(Object.keys(AUDIT_KINDS)).toContain(action);
	});

	it('each kind has its own readable filter label', () => {
		const labels = auditActionChoices().map((c) => c.label);
		expect(new Set(labels).size).toBe(labels.length);
		for (const label of labels) expect(label).not.toMatch(/\w\.\w/);
	});
});

const ids = {
	admin: '00000000-0000-4000-8000-00000000000a',
	manager: '00000000-0000-4000-8000-00000000000b',
	jo: '00000000-0000-4000-8000-00000000000c',
	council: '00000000-0000-4000-8000-0000000000c1',
	police: '00000000-0000-4000-8000-0000000000c2',
	housing: '00000000-0000-4000-8000-0000000000d1',
	event: '00000000-0000-4000-8000-0000000000e1',
	completion: '00000000-0000-4000-8000-0000000000f1'
};
function names(): AuditNames {
	const empty = Object.fromEntries(NAME_KINDS.map((k) => [k, new Map<string, string>()]));
	return {
		...(empty as AuditNames),
		person: new Map([
			[ids.admin, 'Sam Patel'],
			[ids.jo, 'Jo Bloggs']
		]),
		organisation: new Map([
			[ids.council, 'Kirklees Council'],
			[ids.police, 'West Yorkshire Police']
		]),
		team: new Map([[ids.housing, 'Housing management']]),
		event: new Map([[ids.event, 'Hate crime awareness workshop']]),
		completion: new Map([[ids.completion, 'Safeguarding adults']])
	};
}
const admin = { id: ids.admin, name: 'Sam Patel', role: 'admin' as const };
const jo = { id: ids.jo, name: 'Jo Bloggs', role: null };
const entry = (over: Partial<AuditRecord>): AuditRecord => ({
	action: 'person.updated',
	actor: admin,
	targetType: 'person',
	targetId: ids.jo,
	organisationId: ids.police,
	reason: null,
	details: {},
	...over
});

describe('audit entries read as sentences', () => {
	it('says who moved whom from which organisation to which, and why', () => {
		expect(
			describeAuditEntry(
				entry({
					action: 'person.organisation-changed',
					reason: 'transferred',
					details: { organisationId: { from: ids.council, to: ids.police } }
				}),
				names()
			)
		).toBe(
			'Sam Patel (admin) moved Jo Bloggs from Kirklees Council to West Yorkshire Police. Reason: transferred.'
		);
	});

	it('joins several changes to a person into one sentence', () => {
		expect(
			describeAuditEntry(
				entry({
					action: 'person.role-changed',
					reason: 'Acting sergeant for three months.',
					details: {
						managerOf: { from: [], to: [ids.police] },
						teamId: { from: null, to: ids.housing },
						audience: { from: 'frontline', to: 'community' }
					}
				}),
				names()
			)
		).toBe(
			'Sam Patel (admin) put Jo Bloggs in the team Housing management, changed their audience from front-line officer to community contact and made them a manager of West Yorkshire Police. Reason: Acting sergeant for three months.'
		);
	});

	it('speaks of people acting on their own account, and of the system', () => {
		const n = names();
		expect(
			describeAuditEntry(
				entry({ action: 'event.booked', actor: jo, details: { eventId: ids.event } }),
				n
			)
		).toBe('Jo Bloggs booked a place on “Hate crime awareness workshop”.');
		expect(
			describeAuditEntry(entry({ action: 'event.booked', details: { eventId: ids.event } }), n)
		).toBe('Sam Patel (admin) booked Jo Bloggs a place on “Hate crime awareness workshop”.');
		expect(
			describeAuditEntry(
				entry({
					action: 'privacy.anonymised',
					actor: null,
					reason: 'Retention: left more than 6 years ago'
				}),
				n
			)
		).toBe(
			'Jo Bloggs’s personal details were removed by the retention rules. Reason: Retention: left more than 6 years ago.'
		);
		expect(
			describeAuditEntry(
				entry({
					action: 'completion.corrected',
					reason: 'Recorded against the wrong person',
					details: { completionId: ids.completion, completedAt: '2026-05-03T10:00:00.000Z' }
				}),
				n
			)
		).toBe(
			'Sam Patel (admin) withdrew Jo Bloggs’s completion of “Safeguarding adults” (completed 3 May 2026). Reason: Recorded against the wrong person.'
		);
	});

	it('counts with correct plurals', () => {
		expect(pluralCount(1, 'entry', 'entries')).toBe('1 entry');
		expect(pluralCount(2, 'entry', 'entries')).toBe('2 entries');
		expect(pluralCount(1234, 'person', 'people')).toBe('1,234 people');
		const marked = (n: number) =>
			describeAuditEntry(
				entry({
					action: 'event.attendance-marked',
					targetType: 'event',
					targetId: ids.event,
					details: { marked: n }
				}),
				names()
			);
		expect(marked(1)).toBe(
			'Sam Patel (admin) marked attendance for 1 person at “Hate crime awareness workshop”.'
		);
		expect(marked(3)).toContain('for 3 people at');
	});

	it('a refusal carries its reason in the sentence, once', () => {
		const text = describeAuditEntry(
			entry({
				action: 'sso.refused',
				actor: null,
				targetType: 'organisation',
				targetId: ids.police,
				reason: 'the email address is not verified'
			}),
			names()
		);
		expect(text).toBe(
			'A sign-in through single sign-on for West Yorkshire Police was refused: the email address is not verified.'
		);
	});

	it('an action with no describer still reads as a sentence, without codes or JSON', () => {
		const text = describeAuditEntry(
			entry({ action: 'widget.colour-changed', details: { colour: { from: 'red' } } }),
			names()
		);
		expect(text).toBe(
			'Sam Patel (admin) made a change recorded as “Widget colour changed”, about Jo Bloggs.'
		);
	});

	it.each(Object.keys(AUDIT_KINDS))(
		'%s reads as a sentence even when its details are missing or names are gone',
		(action) => {
			const text = describeAuditEntry(
				entry({ action, targetId: 'gone', organisationId: 'gone' }),
				names()
			);
			expect(text).toMatch(/^[A-Z“].*\.$/);
			expect(text).not.toMatch(/undefined|null|NaN|\[object|[{}]|\w\.\w+-\w/);
		}
	);

	it('names the ids an entry refers to, so each is looked up once', () => {
		const wanted = idsToName([
			entry({
				details: { organisationId: { from: ids.council, to: ids.police }, eventId: ids.event }
			})
		]);
		expect([...wanted.organisation].sort()).toEqual([ids.council, ids.police].sort());
		expect([...wanted.person]).toEqual([ids.jo]);
		expect([...wanted.event]).toEqual([ids.event]);
	});
});
