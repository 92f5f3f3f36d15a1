import type { CompletionStatus, SuccessStatus } from '../db/schema-scorm.ts';
import type {
	ControlMode,
	ItemKind,
	ItemSequencing,
	RuleCondition,
	ScormVersion
} from './manifest.ts';

/**
 * The part of SCORM sequencing the player honours, as pure functions over the item tree and each
 * item's stored state:
 *  - control modes of each cluster: choice (table of contents), flow (Previous/Next), forwardOnly;
 *  - pre-condition rules with the actions disabled, hiddenFromChoice and skip, over the conditions
 *    satisfied, objectiveStatusKnown, objectiveMeasureKnown/GreaterThan/LessThan, completed,
 *    activityProgressKnown, attempted and always, on the item's own objectives or on global
 *    objectives read through mapInfo (satisfaction, and completion in 4th Edition);
 *  - SCORM 1.2 adlcp:prerequisites (AICC script: identifiers, & | ~, parentheses, = and <>).
 * Everything else (rollup rules, post- and exit-condition rules, limit conditions, randomisation,
 * constrained choice) is read from the manifest but not acted on; see README.
 */
export interface SeqItem {
	identifier: string;
	parentIdentifier: string | null;
	kind: ItemKind;
	isVisible: boolean;
	title: string;
	launchable: boolean;
	sequencing: ItemSequencing | null;
	prerequisites: string | null;
}

export interface SeqState {
	attempted: boolean;
	completion: CompletionStatus;
	success: SuccessStatus;
	scoreScaled: number | null;
	satisfied: boolean;
	/** objectives the SCO reported in cmi.objectives, by id */
	objectives: Record<
		string,
		{ success: SuccessStatus; completion: CompletionStatus; scaled: number | null }
	>;
}

export interface Availability {
	/** may be launched at all (no disabled rule, prerequisites met) */
	enabled: boolean;
	/** may be chosen from the table of contents */
	choosable: boolean;
	/** listed in the table of contents (isvisible and not hiddenFromChoice) */
	listed: boolean;
	/** passed over by Previous/Next */
	skipped: boolean;
	reason: string | null;
}

const DEFAULT_2004: ControlMode = {
	choice: true,
	choiceExit: true,
	flow: false,
	forwardOnly: false
};
const FREE: ControlMode = { choice: true, choiceExit: true, flow: true, forwardOnly: false };

export const emptyState = (): SeqState => ({
	attempted: false,
	completion: 'not attempted',
	success: 'unknown',
	scoreScaled: null,
	satisfied: false,
	objectives: {}
});

export class Sequencer {
	private readonly byId = new Map<string, SeqItem>();
	readonly leaves: SeqItem[];

	constructor(
		readonly version: ScormVersion,
		readonly items: SeqItem[],
		readonly rootSequencing: ItemSequencing | null,
		readonly states: Map<string, SeqState>
	) {
		for (const i of items) this.byId.set(i.identifier, i);
		this.leaves = items.filter((i) => i.launchable);
	}

	private state(id: string): SeqState {
		return this.states.get(id) ?? emptyState();
	}

	/** The control mode that governs an item: its parent cluster's, or the organisation's. */
	controlModeOf(item: SeqItem): ControlMode {
		if (this.version === '1.2') return FREE;
		const parent = item.parentIdentifier ? this.byId.get(item.parentIdentifier) : undefined;
		const own = parent ? parent.sequencing?.controlMode : this.rootSequencing?.controlMode;
		return own ?? DEFAULT_2004;
	}

	/** choice must be allowed by every cluster above the item */
	private choiceAllowed(item: SeqItem): boolean {
		if (this.version === '1.2') return true;
		for (
			let p: SeqItem | undefined = item;
			p;
			p = p.parentIdentifier ? this.byId.get(p.parentIdentifier) : undefined
		)
			if (!this.controlModeOf(p).choice) return false;
		return true;
	}

	availability(id: string): Availability {
		const item = this.byId.get(id);
		if (!item || !item.launchable)
			return {
				enabled: false,
				choosable: false,
				listed: false,
				skipped: false,
				reason: 'This part cannot be launched.'
			};
		const actions = new Set<string>();
		// Rules on the item and on every cluster above it apply (a disabled cluster disables its children).
		for (
			let p: SeqItem | undefined = item;
			p;
			p = p.parentIdentifier ? this.byId.get(p.parentIdentifier) : undefined
		)
			for (const rule of p.sequencing?.preConditionRules ?? []) {
				const results = rule.conditions.map((c) => this.condition(p!, c));
				const fired =
					rule.conditions.length === 0
						? false
						: rule.combination === 'any'
							? results.some(Boolean)
							: results.every(Boolean);
				if (fired) actions.add(rule.action);
			}
		let reason: string | null = null;
		let enabled = !actions.has('disabled');
		if (!enabled) reason = 'Finish the earlier parts first.';
		if (enabled && this.version === '1.2' && item.prerequisites) {
			const met = this.prerequisitesMet(item.prerequisites);
			if (met === false) {
				enabled = false;
				reason = 'Finish the earlier parts first.';
			}
		}
		const listed = item.isVisible && !actions.has('hiddenFromChoice');
		return {
			enabled,
			listed,
			choosable: enabled && listed && this.choiceAllowed(item),
			skipped: actions.has('skip'),
			reason
		};
	}

	private objectiveState(
		item: SeqItem,
		objectiveId: string | null
	): { success: SuccessStatus; completion: CompletionStatus; scaled: number | null } {
		const own = this.state(item.identifier);
		const primary = { success: own.success, completion: own.completion, scaled: own.scoreScaled };
		if (!objectiveId) return primary;
		const objective = item.sequencing?.objectives.find((o) => o.id === objectiveId);
		if (!objective) return primary;
		const reads = objective.maps.filter((m) => m.readSatisfied || m.readCompletion);
		if (!reads.length)
			return objective.primary
				? primary
				: (own.objectives[objectiveId] ?? {
						success: 'unknown',
						completion: 'unknown',
						scaled: null
					});
		const result = {
			success: 'unknown' as SuccessStatus,
			completion: 'unknown' as CompletionStatus,
			scaled: null as number | null
		};
		for (const map of reads) {
			const global = this.globalObjective(map.target);
			if (map.readSatisfied && global.success !== 'unknown') {
				result.success = global.success;
				result.scaled = global.scaled;
			}
			if (map.readCompletion && global.completion !== 'unknown')
				result.completion = global.completion;
		}
		return result;
	}

	/** A global objective's value, as written by the items whose objectives map to it with write*. */
	private globalObjective(target: string): {
		success: SuccessStatus;
		completion: CompletionStatus;
		scaled: number | null;
	} {
		const out = {
			success: 'unknown' as SuccessStatus,
			completion: 'unknown' as CompletionStatus,
			scaled: null as number | null
		};
		for (const writer of this.items) {
			for (const o of writer.sequencing?.objectives ?? []) {
				for (const m of o.maps) {
					if (m.target !== target || (!m.writeSatisfied && !m.writeCompletion)) continue;
					const s = this.state(writer.identifier);
					const value = o.primary
						? { success: s.success, completion: s.completion, scaled: s.scoreScaled }
						: (s.objectives[o.id] ?? { success: 'unknown', completion: 'unknown', scaled: null });
					if (m.writeSatisfied && value.success !== 'unknown') {
						out.success = value.success;
						out.scaled = value.scaled;
					}
					if (
						m.writeCompletion &&
						value.completion !== 'unknown' &&
						value.completion !== 'not attempted'
					)
						out.completion = value.completion;
				}
			}
		}
		return out;
	}

	private condition(item: SeqItem, c: RuleCondition): boolean {
		const o = this.objectiveState(item, c.referencedObjective);
		const s = this.state(item.identifier);
		let value: boolean;
		switch (c.condition) {
			case 'always':
				value = true;
				break;
			case 'satisfied':
				value = o.success === 'passed';
				break;
			case 'objectiveStatusKnown':
				value = o.success !== 'unknown';
				break;
			case 'objectiveMeasureKnown':
				value = o.scaled !== null;
				break;
			case 'objectiveMeasureGreaterThan':
				value = o.scaled !== null && c.measureThreshold !== null && o.scaled > c.measureThreshold;
				break;
			case 'objectiveMeasureLessThan':
				value = o.scaled !== null && c.measureThreshold !== null && o.scaled < c.measureThreshold;
				break;
			case 'completed':
				value = o.completion === 'completed';
				break;
			case 'activityProgressKnown':
				value = o.completion === 'completed' || o.completion === 'incomplete';
				break;
			case 'attempted':
				value = s.attempted;
				break;
			default:
				// attemptLimitExceeded, timeLimitExceeded, outsideAvailableTimeRange: not tracked, so false
				value = false;
		}
		return c.operator === 'not' ? !value : value;
	}

	/** SCORM 1.2 prerequisites; null when the expression cannot be read (then it does not block). */
	prerequisitesMet(expression: string): boolean | null {
		try {
			return evaluatePrerequisites(expression, (id) => {
				const item = this.byId.get(id);
				if (!item) return null;
				const s = this.state(id);
				return s.success === 'passed'
					? 'passed'
					: s.success === 'failed'
						? 'failed'
						: s.completion === 'completed'
							? 'completed'
							: s.completion === 'incomplete'
								? 'incomplete'
								: 'not attempted';
			});
		} catch {
			return null;
		}
	}

	/** The next (or previous) launchable item by flow from `current`, or null. */
	flow(current: string, direction: 'next' | 'previous'): SeqItem | null {
		const item = this.byId.get(current);
		if (!item) return null;
		const mode = this.controlModeOf(item);
		if (!mode.flow || (direction === 'previous' && mode.forwardOnly)) return null;
		const index = this.leaves.findIndex((l) => l.identifier === current);
		const step = direction === 'next' ? 1 : -1;
		for (let i = index + step; i >= 0 && i < this.leaves.length; i += step) {
			const candidate = this.leaves[i]!;
			const a = this.availability(candidate.identifier);
			if (a.skipped) continue;
			const cm = this.controlModeOf(candidate);
			if (!cm.flow && candidate.parentIdentifier !== item.parentIdentifier) return null;
			return a.enabled ? candidate : null;
		}
		return null;
	}

	/** Where "Start" goes: the first enabled, not skipped item. */
	start(): SeqItem | null {
		return (
			this.leaves.find((l) => {
				const a = this.availability(l.identifier);
				return a.enabled && !a.skipped;
			}) ?? null
		);
	}
}

type Status = 'passed' | 'completed' | 'failed' | 'incomplete' | 'not attempted' | 'browsed';

/**
 * Evaluates an AICC-script prerequisite expression. An identifier alone is true when that item is
 * passed or completed; `id = "status"` / `id <> "status"` compare; `~` not, `&` and, `|` or;
 * `n*{a,b,c}` is true when at least n of the set are. Throws on anything else.
 */
export function evaluatePrerequisites(
	expression: string,
	statusOf: (identifier: string) => Status | null
): boolean {
	const tokens =
		expression
			.match(/\s*(<>|[=&|~(){},*]|"[^"]*"|'[^']*'|[^\s=&|~(){},*<>"']+)/g)
			?.map((t) => t.trim()) ?? [];
	let pos = 0;
	const peek = () => tokens[pos];
	const next = () => tokens[pos++];
	const statusTrue = (id: string) => {
		const s = statusOf(id);
		if (s === null) throw new Error(`unknown identifier ${id}`);
		return s === 'passed' || s === 'completed';
	};
	const primary = (): boolean => {
		const t = next();
		if (t === undefined) throw new Error('unexpected end');
		if (t === '~') return !primary();
		if (t === '(') {
			const v = or();
			if (next() !== ')') throw new Error('missing )');
			return v;
		}
		if (/^\d+$/.test(t) && peek() === '*') {
			next();
			if (next() !== '{') throw new Error('missing {');
			let count = 0;
			for (;;) {
				const id = next();
				if (id === undefined) throw new Error('unexpected end');
				if (statusTrue(id)) count++;
				const sep = next();
				if (sep === '}') break;
				if (sep !== ',') throw new Error('expected , or }');
			}
			return count >= Number(t);
		}
		if (peek() === '=' || peek() === '<>') {
			const op = next();
			const raw = next() ?? '';
			const wanted = raw.replace(/^["']|["']$/g, '').toLowerCase();
			const abbreviations: Record<string, string> = {
				p: 'passed',
				c: 'completed',
				f: 'failed',
				i: 'incomplete',
				b: 'browsed',
				n: 'not attempted'
			};
			const status = statusOf(t);
			if (status === null) throw new Error(`unknown identifier ${t}`);
			const equal = status === (abbreviations[wanted] ?? wanted);
			return op === '=' ? equal : !equal;
		}
		return statusTrue(t);
	};
	const and = (): boolean => {
		let v = primary();
		while (peek() === '&') {
			next();
			const r = primary();
			v = v && r;
		}
		return v;
	};
	const or = (): boolean => {
		let v = and();
		while (peek() === '|') {
			next();
			const r = and();
			v = v || r;
		}
		return v;
	};
	const result = or();
	if (pos !== tokens.length) throw new Error('unexpected token');
	return result;
}
