import type { CompletionStatus, SuccessStatus } from '../db/schema-scorm.ts';
import type { ScormVersion } from './manifest.ts';

/**
 * Completion and success worked out on the server from the data a SCO sent, never from its status
 * strings alone. Pure functions, so the rules are tested directly.
 */
export interface ItemRules {
	kind: 'sco' | 'asset' | 'aggregation';
	masteryScore: number | null;
	completionThreshold: number | null;
	scaledPassingScore: number | null;
}

export interface Evaluation {
	completion: CompletionStatus;
	success: SuccessStatus;
	/** what the SCO itself said (1.2 lesson_status; 2004 "completion/success") */
	reported: string | null;
	scoreRaw: number | null;
	scoreMin: number | null;
	scoreMax: number | null;
	scoreScaled: number | null;
	location: string | null;
	exit: string | null;
	sessionTime: string | null;
	sessionSeconds: number | null;
	/** completed, not failed, and passed where the package sets a pass mark */
	satisfied: boolean;
}

type Tree = Record<string, unknown>;
const obj = (v: unknown): Tree =>
	v && typeof v === 'object' && !Array.isArray(v) ? (v as Tree) : {};
const str = (v: unknown): string | null =>
	typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
/** A CMI decimal: a string or number that is a finite number; '' and junk are "not set". */
export function decimal(v: unknown): number | null {
	const s = str(v);
	if (s === null || s.trim() === '') return null;
	const n = Number(s);
	return Number.isFinite(n) ? n : null;
}

/** SCORM 1.2 CMITimespan `HHHH:MM:SS.SS`, seconds or null. */
export function parseTimespan12(value: string | null | undefined): number | null {
	const m = /^(\d{2,4}):(\d{2}):(\d{2})(\.\d{1,2})?$/.exec((value ?? '').trim());
	if (!m) return null;
	return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + (m[4] ? Number(m[4]) : 0);
}

/** SCORM 2004 timeinterval (ISO 8601 duration), seconds or null; years and months as 365 and 30 days. */
export function parseDuration2004(value: string | null | undefined): number | null {
	const m =
		/^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
			(value ?? '').trim()
		);
	if (!m || value === 'P' || value?.endsWith('T')) return null;
	const [, y, mo, d, h, mi, s] = m.map((x) => (x ? Number(x) : 0)) as number[];
	return y! * 365 * 86400 + mo! * 30 * 86400 + d! * 86400 + h! * 3600 + mi! * 60 + s!;
}

export function formatTimespan12(seconds: number): string {
	const total = Math.max(0, seconds);
	const h = Math.min(9999, Math.floor(total / 3600));
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	return `${String(h).padStart(4, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(2).padStart(5, '0')}`;
}

export function formatDuration2004(seconds: number): string {
	const total = Math.max(0, Math.round(seconds * 100) / 100);
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = Math.round((total % 60) * 100) / 100;
	return `PT${h}H${m}M${s}S`;
}

/** One SCO's state from its CMI tree (as scorm-again renders it, with or without the `cmi` root). */
export function evaluateItem(
	version: ScormVersion,
	rules: ItemRules,
	cmiInput: Tree,
	terminated: boolean
): Evaluation {
	const cmi = 'cmi' in cmiInput ? obj(cmiInput.cmi) : cmiInput;
	return version === '1.2' ? evaluate12(rules, cmi, terminated) : evaluate2004(rules, cmi);
}

const STATUSES_12 = [
	'passed',
	'completed',
	'failed',
	'incomplete',
	'browsed',
	'not attempted'
] as const;

function evaluate12(rules: ItemRules, cmi: Tree, terminated: boolean): Evaluation {
	const core = obj(cmi.core);
	const score = obj(core.score);
	const reportedRaw = (str(core.lesson_status) ?? '').trim().toLowerCase();
	const reported = (STATUSES_12 as readonly string[]).includes(reportedRaw) ? reportedRaw : null;
	const raw = decimal(score.raw);
	let completion: CompletionStatus;
	let success: SuccessStatus = 'unknown';
	switch (reported) {
		case 'passed':
			completion = 'completed';
			success = 'passed';
			break;
		case 'failed':
			completion = 'completed';
			success = 'failed';
			break;
		case 'completed':
			completion = 'completed';
			break;
		case 'incomplete':
		case 'browsed':
			completion = 'incomplete';
			break;
		default:
			// SCORM 1.2 RTE 3.4.4: a SCO that never sets lesson_status is "completed" when it finishes.
			completion = terminated
				? 'completed'
				: reported === 'not attempted'
					? 'not attempted'
					: 'unknown';
	}
	// Mastery score (adlcp:masteryscore) decides pass or fail from the raw score, as the LMS does on
	// LMSFinish in normal mode with credit — or once the SCO has declared itself finished.
	if (rules.masteryScore !== null && raw !== null && (terminated || completion === 'completed')) {
		success = raw >= rules.masteryScore ? 'passed' : 'failed';
		completion = 'completed';
	}
	const sessionTime = str(core.session_time);
	return {
		completion,
		success,
		reported,
		scoreRaw: raw,
		scoreMin: decimal(score.min),
		scoreMax: decimal(score.max),
		scoreScaled: null,
		location: str(core.lesson_location),
		exit: str(core.exit),
		sessionTime,
		sessionSeconds: parseTimespan12(sessionTime),
		satisfied:
			completion === 'completed' &&
			success !== 'failed' &&
			(rules.masteryScore === null || success === 'passed')
	};
}

function evaluate2004(rules: ItemRules, cmi: Tree): Evaluation {
	const score = obj(cmi.score);
	const storedCompletion = (str(cmi.completion_status) ?? '').trim();
	const storedSuccess = (str(cmi.success_status) ?? '').trim();
	const progress = decimal(cmi.progress_measure);
	const scaled = decimal(score.scaled);
	// RTE 4.2.4.1: with a completion threshold, progress_measure decides; without progress, unknown.
	let completion: CompletionStatus;
	if (rules.completionThreshold !== null)
		completion =
			progress === null
				? 'unknown'
				: progress >= rules.completionThreshold
					? 'completed'
					: 'incomplete';
	else
		completion =
			(['completed', 'incomplete', 'not attempted', 'unknown'] as const).find(
				(s) => s === storedCompletion
			) ?? 'unknown';
	// RTE 4.2.21.1: with a scaled passing score, score.scaled decides; without a score, unknown.
	let success: SuccessStatus;
	if (rules.scaledPassingScore !== null)
		success =
			scaled === null ? 'unknown' : scaled >= rules.scaledPassingScore ? 'passed' : 'failed';
	else
		success =
			(['passed', 'failed', 'unknown'] as const).find((s) => s === storedSuccess) ?? 'unknown';
	const sessionTime = str(cmi.session_time);
	const reported =
		storedCompletion || storedSuccess
			? `${storedCompletion || 'unknown'}/${storedSuccess || 'unknown'}`
			: null;
	return {
		completion,
		success,
		reported,
		scoreRaw: decimal(score.raw),
		scoreMin: decimal(score.min),
		scoreMax: decimal(score.max),
		scoreScaled: scaled,
		location: str(cmi.location),
		exit: str(cmi.exit),
		sessionTime,
		sessionSeconds: parseDuration2004(sessionTime),
		satisfied:
			completion === 'completed' &&
			success !== 'failed' &&
			(rules.scaledPassingScore === null || success === 'passed')
	};
}

/** A score as a percentage for the completion record: scaled first, else raw within min–max (default 0–100). */
export function scorePercentOf(
	e: Pick<Evaluation, 'scoreRaw' | 'scoreMin' | 'scoreMax' | 'scoreScaled'>
): number | null {
	if (e.scoreScaled !== null) return clampPercent(e.scoreScaled * 100);
	if (e.scoreRaw === null) return null;
	const min = e.scoreMin ?? 0;
	const max = e.scoreMax ?? 100;
	if (max <= min) return null;
	return clampPercent(((e.scoreRaw - min) / (max - min)) * 100);
}

const clampPercent = (n: number) => Math.max(0, Math.min(100, Math.round(n)));
