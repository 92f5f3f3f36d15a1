import type { PgBoss } from 'pg-boss';
import { metrics, onScrape } from '../metrics.ts';

/** Queue depth and failures per queue, read from pg-boss at each scrape. */
export function registerQueueMetrics(boss: PgBoss, names: string[]): () => void {
	return onScrape(async () => {
		for (const q of await boss.getQueues(names)) {
			metrics.jobQueue.set({ queue: q.name, state: 'queued' }, q.queuedCount);
			metrics.jobQueue.set({ queue: q.name, state: 'ready' }, q.readyCount);
			metrics.jobQueue.set({ queue: q.name, state: 'deferred' }, q.deferredCount);
			metrics.jobQueue.set({ queue: q.name, state: 'active' }, q.activeCount);
			metrics.jobQueue.set({ queue: q.name, state: 'failed' }, q.failedCount);
		}
	});
}
