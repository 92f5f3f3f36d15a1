import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { FLOW_COOKIE, finishSaml } from '$lib/server/sso/service';
import { answer } from '$lib/server/sso/http';
import { readForm } from '$lib/server/http/forms';

/** The assertion consumer service: the identity provider's browser POST (exempt from the origin check in hooks). */
export const POST: RequestHandler = async ({ request, url, cookies }) => {
	const form = await readForm(request);
	const samlResponse = form.get('SAMLResponse');
	const relayState = form.get('RelayState');
	if (typeof samlResponse !== 'string' || !samlResponse) error(400, 'No SAML response was posted.');
	return answer(
		() =>
			finishSaml(db(), {
				origin: url.origin,
				samlResponse,
				relayState: typeof relayState === 'string' ? relayState : null,
				browserToken: cookies.get(FLOW_COOKIE)
			}),
		cookies,
		url
	);
};
