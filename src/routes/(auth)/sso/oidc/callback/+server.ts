import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { FLOW_COOKIE, finishOidc } from '$lib/server/sso/service';
import { answer } from '$lib/server/sso/http';

export const GET: RequestHandler = async ({ url, cookies }) =>
	answer(
		() =>
			finishOidc(db(), {
				origin: url.origin,
				currentUrl: url,
				browserToken: cookies.get(FLOW_COOKIE)
			}),
		cookies,
		url
	);
