import type { Db } from '../db/types.ts';
import type { CompletionSource } from '../db/schema.ts';

export interface CompletionRecord {
	id: string;
	userId: string;
	courseId: string;
	courseVersion: string;
	completedAt: Date;
	source: CompletionSource;
}

/**
 * What other capabilities (certificates, tracking) do when a course is completed. Hooks run inside
 * the transaction that writes the completion, so their work happens exactly once with it, or not at all.
 */
type CompletionHook = (tx: Db, completion: CompletionRecord) => Promise<void>;
const hooks: CompletionHook[] = [];

export function onCourseCompleted(hook: CompletionHook): void {
	hooks.push(hook);
}

export async function runCompletionHooks(tx: Db, completion: CompletionRecord): Promise<void> {
	for (const hook of hooks) await hook(tx, completion);
}
