import { timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics (prom-client), served at /metrics to configured addresses or with a token.
 * Counters live per process; each instance is scraped on its own. Gauges that read the database or
 * the job queue are filled at scrape time by collectors registered at start-up.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const metrics = {
	httpRequests: new Counter({
		name: 'http_requests_total',
		help: 'HTTP requests handled, by route, method and status',
		labelNames: ['route', 'method', 'status'] as const,
		registers: [registry]
	}),
	httpDuration: new Histogram({
		name: 'http_request_duration_seconds',
		help: 'Time to answer HTTP requests, by route and method',
		labelNames: ['route', 'method'] as const,
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
		registers: [registry]
	}),
	emailsSent: new Counter({
		name: 'emails_sent_total',
		help: 'Emails accepted by the SMTP server, by kind',
		labelNames: ['kind'] as const,
		registers: [registry]
	}),
	emailsFailed: new Counter({
		name: 'emails_failed_total',
		help: 'Emails given up on (permanent refusal or retries exhausted), by kind',
		labelNames: ['kind'] as const,
		registers: [registry]
	}),
	scormCommits: new Counter({
		name: 'scorm_commits_total',
		help: 'SCORM runtime commits, by outcome',
		labelNames: ['outcome'] as const,
		registers: [registry]
	}),
	dbPool: new Gauge({
		name: 'db_pool_connections',
		help: 'Database connections of this instance: configured maximum, and open ones by state',
		labelNames: ['state'] as const,
		registers: [registry]
	}),
	jobQueueUp: new Gauge({
		name: 'job_queue_up',
		help: "Whether this instance's job queue is running (0 while it starts beside the first requests, or if it failed to start)",
		registers: [registry]
	}),
	jobQueue: new Gauge({
		name: 'job_queue_jobs',
		help: 'Jobs in each pg-boss queue, by state (queued, active, deferred, failed)',
		labelNames: ['queue', 'state'] as const,
		registers: [registry]
	})
};

type Collector = () => Promise<void>;
const collectors = new Set<Collector>();

/** Registers work to refresh gauges just before each scrape; returns a function that removes it. */
export function onScrape(collector: Collector): () => void {
	collectors.add(collector);
	return () => collectors.delete(collector);
}

export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
	await Promise.all([...collectors].map((c) => c().catch(() => {})));
	return { body: await registry.metrics(), contentType: registry.contentType };
}

export interface MetricsAccess {
	token: string | undefined;
	allow: BlockList;
}

/** METRICS_TOKEN (a bearer token) and METRICS_ALLOW (addresses or CIDR ranges, comma-separated; default none: behind a local proxy every request would come from loopback). */
export function metricsAccess(env: NodeJS.ProcessEnv = process.env): MetricsAccess {
	const allow = new BlockList();
	const entries = (env.METRICS_ALLOW ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	for (const entry of entries) {
		if (entry === 'none') continue;
		const [address, prefix] = entry.split('/');
		const family = isIP(address ?? '');
		if (!family) throw new Error(`METRICS_ALLOW: "${entry}" is not an IP address or CIDR range`);
		const type = family === 6 ? 'ipv6' : 'ipv4';
		if (prefix !== undefined) allow.addSubnet(address!, Number(prefix), type);
		else allow.addAddress(address!, type);
	}
	return { token: env.METRICS_TOKEN?.trim() || undefined, allow };
}

/** Whether a scrape from this address, with this Authorization header, may read the metrics. */
export function mayReadMetrics(
	access: MetricsAccess,
	address: string,
	authorization: string | null
): boolean {
	if (access.token && authorization) {
		const given = Buffer.from(authorization.replace(/^Bearer\s+/i, ''));
		const expected = Buffer.from(access.token);
		if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
	}
	const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
	const family = isIP(plain);
	return family !== 0 && access.allow.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}
