import { text } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { mayReadMetrics, metricsAccess, renderMetrics } from '$lib/server/metrics';

const access = metricsAccess();

/**
 * Prometheus metrics for this instance: only for the addresses in METRICS_ALLOW (default: nobody,
 * since behind a local proxy every request would come from loopback) or a request with
 * `Authorization: Bearer $METRICS_TOKEN`. Everyone else gets a 403.
 */
export const GET: RequestHandler = async ({ request, getClientAddress }) => {
	if (!mayReadMetrics(access, getClientAddress(), request.headers.get('authorization')))
		return text('Metrics are only available to monitoring.', {
			status: 403,
			headers: { 'Cache-Control': 'no-store' }
		});
	const { body, contentType } = await renderMetrics();
	return new Response(body, {
		headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' }
	});
};
