import type { ScormVersion } from './manifest.ts';
import { formatDuration2004, formatTimespan12 } from './rules.ts';

/**
 * The CMI data a SCO starts with, loaded into scorm-again before Initialize: who the learner is,
 * mode and credit, the manifest's values (mastery score, threshold, launch data…) and, when
 * resuming, what the SCO stored last time (location, suspend data, status, score).
 */
export interface LaunchItem {
	masteryScore: number | null;
	completionThreshold: number | null;
	scaledPassingScore: number | null;
	dataFromLms: string | null;
	maxTimeAllowed: string | null;
	timeLimitAction: string | null;
}

export interface LaunchLearner {
	/** a per-package pseudonym: content never learns the platform's own ids */
	id: string;
	name: string;
}

type Tree = Record<string, unknown>;
const obj = (v: unknown): Tree =>
	v && typeof v === 'object' && !Array.isArray(v) ? (v as Tree) : {};
const str = (v: unknown): string =>
	typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';

/** "Lee Learner" → "Learner, Lee", as SCORM 1.2 cmi.core.student_name expects. */
export function lastFirst(name: string): string {
	const parts = name.trim().split(/\s+/);
	if (parts.length < 2) return name.trim();
	const last = parts.pop()!;
	return `${last}, ${parts.join(' ')}`;
}

const num = (n: number | null) => (n === null ? '' : String(n));

export function buildLaunchCmi(
	version: ScormVersion,
	item: LaunchItem,
	learner: LaunchLearner,
	stored: Tree | null,
	entry: 'ab-initio' | 'resume',
	totalSeconds: number
): Tree {
	const cmi = stored ? obj('cmi' in stored ? stored.cmi : stored) : {};
	if (version === '1.2') {
		const core = obj(cmi.core);
		const score = obj(core.score);
		const previousStatus = str(core.lesson_status);
		const out: Tree = {
			core: {
				student_id: learner.id,
				student_name: lastFirst(learner.name),
				lesson_mode: 'normal',
				credit: 'credit',
				entry,
				// status and score carry over between sessions in SCORM 1.2; bookmark and suspend data only on resume
				lesson_status: previousStatus || 'not attempted',
				lesson_location: entry === 'resume' ? str(core.lesson_location) : '',
				total_time: formatTimespan12(totalSeconds),
				score: { raw: str(score.raw), min: str(score.min), max: str(score.max) }
			},
			suspend_data: entry === 'resume' ? str(cmi.suspend_data) : '',
			launch_data: item.dataFromLms ?? '',
			student_data: {
				mastery_score: num(item.masteryScore),
				max_time_allowed: item.maxTimeAllowed ?? '',
				time_limit_action: item.timeLimitAction ?? ''
			}
		};
		if (entry === 'resume' && Object.keys(obj(cmi.objectives)).length)
			out.objectives = cmi.objectives;
		return out;
	}
	const base: Tree = {
		learner_id: learner.id,
		learner_name: learner.name,
		mode: 'normal',
		credit: 'credit',
		entry,
		launch_data: item.dataFromLms ?? '',
		completion_threshold: num(item.completionThreshold),
		scaled_passing_score: num(item.scaledPassingScore),
		max_time_allowed: item.maxTimeAllowed ?? '',
		time_limit_action: item.timeLimitAction ?? 'continue,no message',
		total_time: formatDuration2004(totalSeconds)
	};
	if (entry !== 'resume') return base;
	// Resuming a suspended attempt: the SCO gets back everything it stored (RTE 4.2.9).
	const score = obj(cmi.score);
	const out: Tree = {
		...base,
		location: str(cmi.location),
		suspend_data: str(cmi.suspend_data),
		completion_status: str(cmi.completion_status) || 'unknown',
		success_status: str(cmi.success_status) || 'unknown',
		progress_measure: str(cmi.progress_measure),
		score: {
			scaled: str(score.scaled),
			raw: str(score.raw),
			min: str(score.min),
			max: str(score.max)
		}
	};
	if (Object.keys(obj(cmi.objectives)).length) out.objectives = cmi.objectives;
	if (Object.keys(obj(cmi.interactions)).length) out.interactions = cmi.interactions;
	if (Object.keys(obj(cmi.comments_from_learner)).length)
		out.comments_from_learner = cmi.comments_from_learner;
	return out;
}
