import { describe, expect, it } from 'vitest';
import {
	evaluateItem,
	formatDuration2004,
	formatTimespan12,
	parseDuration2004,
	parseTimespan12,
	scorePercentOf
} from '../../src/lib/server/scorm/rules.ts';
import { evaluatePrerequisites } from '../../src/lib/server/scorm/sequencing.ts';
import { buildLaunchCmi, lastFirst } from '../../src/lib/server/scorm/cmi.ts';
import { bodySizeLimitBytes } from '../../src/lib/server/scorm/deps.ts';
import { readScormSettings } from '../../src/lib/server/scorm/settings.ts';

const sco = (
	over: Partial<{
		masteryScore: number;
		completionThreshold: number;
		scaledPassingScore: number;
	}> = {}
) => ({
	kind: 'sco' as const,
	masteryScore: over.masteryScore ?? null,
	completionThreshold: over.completionThreshold ?? null,
	scaledPassingScore: over.scaledPassingScore ?? null
});
const c12 = (status: string, raw = '', extra: Record<string, unknown> = {}) => ({
	cmi: {
		core: {
			lesson_status: status,
			score: { raw, min: '0', max: '100' },
			lesson_location: '3',
			session_time: '00:01:30',
			...extra
		}
	}
});

describe('SCORM 1.2 completion worked out on the server', () => {
	it('maps lesson_status to completion and success', () => {
		expect(evaluateItem('1.2', sco(), c12('passed'), false)).toMatchObject({
			completion: 'completed',
			success: 'passed',
			satisfied: true,
			reported: 'passed',
			sessionSeconds: 90,
			location: '3'
		});
		expect(evaluateItem('1.2', sco(), c12('completed'), false)).toMatchObject({
			completion: 'completed',
			success: 'unknown',
			satisfied: true
		});
		expect(evaluateItem('1.2', sco(), c12('failed'), false)).toMatchObject({
			completion: 'completed',
			success: 'failed',
			satisfied: false
		});
		expect(evaluateItem('1.2', sco(), c12('incomplete'), false)).toMatchObject({
			completion: 'incomplete',
			satisfied: false
		});
		expect(evaluateItem('1.2', sco(), c12('bogus'), false)).toMatchObject({
			completion: 'unknown',
			reported: null,
			satisfied: false
		});
	});

	it('applies the mastery score to the raw score, whatever the SCO claimed', () => {
		expect(
			evaluateItem('1.2', sco({ masteryScore: 80 }), c12('passed', '70'), false)
		).toMatchObject({ success: 'failed', satisfied: false });
		expect(
			evaluateItem('1.2', sco({ masteryScore: 80 }), c12('completed', '85'), false)
		).toMatchObject({ success: 'passed', satisfied: true });
		expect(
			evaluateItem('1.2', sco({ masteryScore: 80 }), c12('failed', '80'), false)
		).toMatchObject({ success: 'passed', satisfied: true });
		// mid-course, a score without a finished status does not decide anything yet
		expect(
			evaluateItem('1.2', sco({ masteryScore: 80 }), c12('incomplete', '90'), false)
		).toMatchObject({ completion: 'incomplete', satisfied: false });
		// with a mastery score, "completed" without any score is not enough
		expect(evaluateItem('1.2', sco({ masteryScore: 80 }), c12('completed'), false)).toMatchObject({
			satisfied: false
		});
	});

	it('records a SCO that never set a status as completed when it finishes (RTE 3.4.4)', () => {
		expect(evaluateItem('1.2', sco(), c12('not attempted'), false)).toMatchObject({
			completion: 'not attempted',
			satisfied: false
		});
		expect(evaluateItem('1.2', sco(), c12('not attempted'), true)).toMatchObject({
			completion: 'completed',
			satisfied: true
		});
	});
});

describe('SCORM 2004 completion worked out on the server', () => {
	const c04 = (cmi: Record<string, unknown>) => ({ cmi: { session_time: 'PT1M5S', ...cmi } });
	it('uses the SCO status when the manifest sets no threshold or passing score', () => {
		expect(
			evaluateItem(
				'2004-3',
				sco(),
				c04({ completion_status: 'completed', success_status: 'passed' }),
				false
			)
		).toMatchObject({
			completion: 'completed',
			success: 'passed',
			satisfied: true,
			sessionSeconds: 65,
			reported: 'completed/passed'
		});
		expect(
			evaluateItem(
				'2004-3',
				sco(),
				c04({ completion_status: 'completed', success_status: 'failed' }),
				false
			)
		).toMatchObject({ satisfied: false });
		expect(
			evaluateItem('2004-3', sco(), c04({ completion_status: 'incomplete' }), true)
		).toMatchObject({ completion: 'incomplete', satisfied: false });
	});

	it('lets progress_measure against completion_threshold decide completion (RTE 4.2.4.1)', () => {
		const rules = sco({ completionThreshold: 0.8 });
		expect(
			evaluateItem(
				'2004-4',
				rules,
				c04({ completion_status: 'completed', progress_measure: '0.5' }),
				false
			)
		).toMatchObject({ completion: 'incomplete', satisfied: false });
		expect(
			evaluateItem(
				'2004-4',
				rules,
				c04({ completion_status: 'incomplete', progress_measure: '0.8' }),
				false
			)
		).toMatchObject({ completion: 'completed', satisfied: true });
		expect(
			evaluateItem('2004-4', rules, c04({ completion_status: 'completed' }), false)
		).toMatchObject({ completion: 'unknown', satisfied: false });
	});

	it('lets score.scaled against scaled_passing_score decide success (RTE 4.2.21.1)', () => {
		const rules = sco({ scaledPassingScore: 0.7 });
		expect(
			evaluateItem(
				'2004-3',
				rules,
				c04({ completion_status: 'completed', success_status: 'passed', score: { scaled: '0.6' } }),
				false
			)
		).toMatchObject({ success: 'failed', satisfied: false });
		expect(
			evaluateItem(
				'2004-3',
				rules,
				c04({
					completion_status: 'completed',
					success_status: 'failed',
					score: { scaled: '0.7', raw: '70' }
				}),
				false
			)
		).toMatchObject({ success: 'passed', satisfied: true, scoreScaled: 0.7, scoreRaw: 70 });
		expect(
			evaluateItem(
				'2004-3',
				rules,
				c04({ completion_status: 'completed', success_status: 'passed' }),
				false
			)
		).toMatchObject({ success: 'unknown', satisfied: false });
	});
});

describe('times and scores', () => {
	it('parses and formats both time formats', () => {
		expect(parseTimespan12('0001:02:03.5')).toBe(3723.5);
		expect(parseTimespan12('00:00:10')).toBe(10);
		expect(parseTimespan12('junk')).toBeNull();
		expect(parseDuration2004('PT1H2M3.5S')).toBe(3723.5);
		expect(parseDuration2004('P1DT1S')).toBe(86401);
		expect(parseDuration2004('PT')).toBeNull();
		expect(parseDuration2004('1H')).toBeNull();
		expect(formatTimespan12(3723.5)).toBe('0001:02:03.50');
		expect(formatDuration2004(3723.5)).toBe('PT1H2M3.5S');
	});
	it('turns scores into a percentage', () => {
		expect(
			scorePercentOf({ scoreRaw: null, scoreMin: null, scoreMax: null, scoreScaled: 0.856 })
		).toBe(86);
		expect(scorePercentOf({ scoreRaw: 15, scoreMin: 0, scoreMax: 20, scoreScaled: null })).toBe(75);
		expect(
			scorePercentOf({ scoreRaw: 85, scoreMin: null, scoreMax: null, scoreScaled: null })
		).toBe(85);
		expect(
			scorePercentOf({ scoreRaw: null, scoreMin: null, scoreMax: null, scoreScaled: null })
		).toBeNull();
	});
});

describe('SCORM 1.2 prerequisites (AICC script)', () => {
	const status = (s: Record<string, string>) => (id: string) => (s[id] ?? null) as never;
	it('evaluates identifiers, not, and, or, comparisons and sets', () => {
		const s = status({ a: 'completed', b: 'incomplete', c: 'passed', d: 'failed' });
		expect(evaluatePrerequisites('a', s)).toBe(true);
		expect(evaluatePrerequisites('b', s)).toBe(false);
		expect(evaluatePrerequisites('a & c', s)).toBe(true);
		expect(evaluatePrerequisites('a & b', s)).toBe(false);
		expect(evaluatePrerequisites('b | c', s)).toBe(true);
		expect(evaluatePrerequisites('~b', s)).toBe(true);
		expect(evaluatePrerequisites('(b | a) & ~c', s)).toBe(false);
		expect(evaluatePrerequisites('(b | a) & ~d', s)).toBe(true);
		expect(evaluatePrerequisites('d = "failed"', s)).toBe(true);
		expect(evaluatePrerequisites('b <> "incomplete"', s)).toBe(false);
		expect(evaluatePrerequisites('2*{a,b,c}', s)).toBe(true);
		expect(evaluatePrerequisites('3*{a,b,c}', s)).toBe(false);
		expect(() => evaluatePrerequisites('a &', s)).toThrow();
		expect(() => evaluatePrerequisites('zz', s)).toThrow();
	});
});

describe('launch data', () => {
	const item = {
		masteryScore: 80,
		completionThreshold: 0.8,
		scaledPassingScore: 0.7,
		dataFromLms: 'hello',
		maxTimeAllowed: null,
		timeLimitAction: null
	};
	it('SCORM 1.2: credit, entry, mastery score, and bookmark only on resume', () => {
		const stored = {
			cmi: {
				core: { lesson_location: '7', lesson_status: 'incomplete', score: { raw: '40' } },
				suspend_data: 'x'
			}
		};
		const resume = buildLaunchCmi(
			'1.2',
			item,
			{ id: 'p1', name: 'Lee Learner' },
			stored,
			'resume',
			90
		) as {
			core: Record<string, unknown>;
			suspend_data: string;
			student_data: Record<string, string>;
		};
		expect(resume.core).toMatchObject({
			student_id: 'p1',
			student_name: 'Learner, Lee',
			credit: 'credit',
			lesson_mode: 'normal',
			entry: 'resume',
			lesson_location: '7',
			lesson_status: 'incomplete',
			total_time: '0000:01:30.00'
		});
		expect(resume.suspend_data).toBe('x');
		expect(resume.student_data.mastery_score).toBe('80');
		const fresh = buildLaunchCmi(
			'1.2',
			item,
			{ id: 'p1', name: 'Lee Learner' },
			stored,
			'ab-initio',
			90
		) as { core: Record<string, unknown>; suspend_data: string };
		expect(fresh.core).toMatchObject({
			entry: 'ab-initio',
			lesson_location: '',
			lesson_status: 'incomplete'
		});
		expect(fresh.suspend_data).toBe('');
	});
	it('SCORM 2004: thresholds from the manifest; stored state only on resume', () => {
		const stored = {
			cmi: {
				location: 'p3',
				suspend_data: 's',
				completion_status: 'incomplete',
				success_status: 'unknown',
				score: { scaled: '0.5' }
			}
		};
		expect(
			buildLaunchCmi('2004-3', item, { id: 'p1', name: 'Lee Learner' }, stored, 'resume', 65)
		).toMatchObject({
			entry: 'resume',
			credit: 'credit',
			mode: 'normal',
			location: 'p3',
			suspend_data: 's',
			completion_threshold: '0.8',
			scaled_passing_score: '0.7',
			total_time: 'PT0H1M5S',
			launch_data: 'hello'
		});
		const fresh = buildLaunchCmi(
			'2004-3',
			item,
			{ id: 'p1', name: 'Lee Learner' },
			stored,
			'ab-initio',
			65
		);
		expect(fresh).not.toHaveProperty('location');
		expect(fresh).toMatchObject({ entry: 'ab-initio' });
		expect(lastFirst('Madonna')).toBe('Madonna');
	});
});

describe('settings', () => {
	it('defaults the content origin to another site than the platform', () => {
		expect(readScormSettings({ PORT: '3000' }, '/data', undefined)).toMatchObject({
			appOrigin: 'http://localhost:3000',
			contentOrigin: 'http://127.0.0.1:3001',
			contentPort: 3001,
			maxUploadBytes: 200 * 1024 * 1024
		});
		expect(readScormSettings({ PORT: '4573' }, '/data', 'http://127.0.0.1:4573')).toMatchObject({
			contentOrigin: 'http://localhost:4574'
		});
		expect(
			readScormSettings(
				{ CONTENT_ORIGIN: 'https://content.example.net/', SCORM_MAX_UPLOAD_MB: '50' },
				'/data',
				'https://learning.example.org'
			)
		).toMatchObject({
			contentOrigin: 'https://content.example.net',
			maxUploadBytes: 50 * 1024 * 1024
		});
		expect(() =>
			readScormSettings(
				{ CONTENT_ORIGIN: 'https://learning.example.org' },
				'/data',
				'https://learning.example.org'
			)
		).toThrow(/must differ/);
		expect(() => readScormSettings({ SCORM_STORAGE: 's3' }, '/data', undefined)).toThrow(
			/SCORM_S3_ENDPOINT/
		);
		expect(readScormSettings({ SCORM_STORAGE: 'local' }, '/data', undefined).storage).toEqual({
			kind: 'local',
			dir: '/data/scorm'
		});
	});
	it('reads adapter-node body limits', () => {
		expect(bodySizeLimitBytes({})).toBe(512 * 1024);
		expect(bodySizeLimitBytes({ BODY_SIZE_LIMIT: '250M' })).toBe(250 * 1024 * 1024);
		expect(bodySizeLimitBytes({ BODY_SIZE_LIMIT: 'Infinity' })).toBe(Infinity);
	});
});
