import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { serviceProviderMetadata } from '$lib/server/sso/service';
import { NotFoundError } from '$lib/server/errors';
import { ProviderAnswerError } from '$lib/server/sso/protocols';
import { logger } from '$lib/server/logger';

/** Our service-provider metadata, for the organisation's SAML identity provider to import. */
export const GET: RequestHandler = async ({ params, url }) => {
	try {
		const xml = await serviceProviderMetadata(db(), url.origin, params.organisation);
		return new Response(xml, {
			headers: { 'content-type': 'application/samlmetadata+xml; charset=utf-8' }
		});
	} catch (e) {
		if (e instanceof NotFoundError) error(404, e.message);
		if (e instanceof ProviderAnswerError) {
			logger.warn('SAML metadata not served', { reason: e.message });
			error(
				503,
				'Our SAML metadata is not available until the platform’s request signing key is set up correctly. Ask whoever runs the platform.'
			);
		}
		throw e;
	}
};
