import { afterEach, describe, expect, it, vi } from 'vitest';
import { mayReadMetrics, metricsAccess } from '../../src/lib/server/metrics.ts';

/**
 * Who may read /metrics: the addresses and ranges in METRICS_ALLOW, or a request carrying
 * METRICS_TOKEN; nobody at all when neither is set (behind a local proxy every request would come
 * from loopback, so "this machine" is no safe default).
 */
describe('metrics access', () => {
	const saved = { allow: process.env.METRICS_ALLOW, token: process.env.METRICS_TOKEN };
	afterEach(() => {
		for (const [name, value] of [
			['METRICS_ALLOW', saved.allow],
			['METRICS_TOKEN', saved.token]
		] as const)
			if (value === undefined) delete process.env[name];
			else process.env[name] = value;
	});

	it('lets in the addresses and ranges in METRICS_ALLOW and nobody else', () => {
		const access = metricsAccess({ METRICS_ALLOW: '10.0.5.0/24, 127.0.0.1,2001:db8::/32' });
		for (const address of ['10.0.5.7', '10.0.5.255', '::ffff:10.0.5.7', '127.0.0.1', '2001:db8::9'])
			expect(mayReadMetrics(access, address, null), address).toBe(true);
		for (const address of ['10.0.6.1', '10.0.4.255', '127.0.0.2', '::1', '2001:db9::1', ''])
			expect(mayReadMetrics(access, address, null), address).toBe(false);
	});

	it('lets in nobody by default, not even this machine', () => {
		for (const env of [{}, { METRICS_ALLOW: '' }, { METRICS_ALLOW: 'none' }]) {
			const access = metricsAccess(env);
			for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.5.7'])
				expect(mayReadMetrics(access, address, null), `${JSON.stringify(env)} ${address}`).toBe(
					false
				);
		}
	});

	it('lets in the bearer of METRICS_TOKEN from anywhere, and not a wrong or partial token', () => {
		const access = metricsAccess({ METRICS_TOKEN: 'metrics-token-for-tests-0123456789' });
		expect(mayReadMetrics(access, '203.0.113.9', 'Bearer metrics-token-for-tests-0123456789')).toBe(
			true
		);
		for (const header of [
			'Bearer metrics-token-for-tests-012345678',
			'Bearer metrics-token-for-tests-0123456789x',
			'Bearer wrong-token-wrong-token-wrong-tok',
			''
		])
			expect(mayReadMetrics(access, '203.0.113.9', header), header).toBe(false);
	});

	it('refuses to start with an entry that is not an address or range', () => {
		expect(() => metricsAccess({ METRICS_ALLOW: '10.0.5.0/24,localhost' })).toThrow(
			/"localhost" is not an IP address/
		);
	});

	it('the /metrics route serves Prometheus text to an allowed address and 403 to others', async () => {
		process.env.METRICS_ALLOW = '10.0.5.0/24';
		delete process.env.METRICS_TOKEN;
		vi.resetModules(); // the route reads METRICS_ALLOW when it is loaded
		const { GET } = await import('../../src/routes/metrics/+server.ts');
		const scrape = (address: string) =>
			GET({
				request: new Request('http://learning.example/metrics'),
				getClientAddress: () => address
			} as unknown as Parameters<typeof GET>[0]) as Promise<Response>;

		const allowed = await scrape('10.0.5.20');
		expect(allowed.status).toBe(200);
		expect(allowed.headers.get('content-type')).toContain('text/plain');
		expect(await allowed.text()).toContain('# TYPE http_requests_total counter');

		for (const address of ['10.0.6.20', '127.0.0.1', '::1']) {
			const refused = await scrape(address);
			expect(refused.status, address).toBe(403);
			const body = await refused.text();
			expect(body).toBe('Metrics are only available to monitoring.');
			expect(body).not.toContain('http_requests_total');
		}
	});
});
