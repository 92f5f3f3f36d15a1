import type { Db } from '../db/types.ts';
import type { CompletionSource } from '../db/schema.ts';
import { refreshObligations } from '../tracking/queries.ts';

export interface CompletionRecord {
	id: string;
	userId: string;
	courseId: string;
	courseVersion: string;
	completedAt: Date;
	source: CompletionSource;
}

/**
 * What other capabilities (certificates) do when a course is completed. Hooks run inside the
 * transaction that writes the completion, so their work happens exactly once with it, or not at all.
 */
type CompletionHook = (tx: Db, completion: CompletionRecord) => Promise<void>;
const hooks: CompletionHook[] = [];

export function onCourseCompleted(hook: CompletionHook): void {
	hooks.push(hook);
}

/**
 * The one function every completion path calls (native assessment, SCORM, external, and any later
 * source such as classroom attendance), in the transaction that wrote the completion row: it brings
 * the person's stored obligations that the course meets up to date, then runs the registered hooks.
 */
export async function runCompletionHooks(tx: Db, completion: CompletionRecord): Promise<void> {
	// Every obligation the course meets: its own, and those of requirements it is another route to.
	await refreshObligations(tx, { userId: completion.userId, metByCourseId: completion.courseId });
	for (const hook of hooks) await hook(tx, completion);
}
