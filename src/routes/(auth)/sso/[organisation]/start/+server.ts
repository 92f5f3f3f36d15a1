import { error, redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { beginSignIn, SsoRefusal } from '$lib/server/sso/service';
import { setFlowCookie } from '$lib/server/sso/http';
import { ForbiddenError, NotFoundError } from '$lib/server/errors';

/** Sends the browser to the organisation's provider. `?test=1` (admins, the organisation's managers) reports instead of signing in. */
export const GET: RequestHandler = async ({ params, url, cookies, locals }) => {
	const testing = url.searchParams.get('test') === '1';
	if (testing && !locals.user)
		redirect(303, `/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`);
	let started;
	try {
		started = await beginSignIn(db(), params.organisation, {
			origin: url.origin,
			next: url.searchParams.get('next'),
			tester: testing ? locals.user : null
		});
	} catch (e) {
		if (e instanceof SsoRefusal && e.testOrganisationId)
			redirect(303, `/manage/organisations/${e.testOrganisationId}/sign-in?test=failed-to-start`);
		if (e instanceof SsoRefusal)
			redirect(
				303,
				`/sso/refused?${new URLSearchParams({ reason: e.code, organisation: params.organisation })}`
			);
		if (e instanceof NotFoundError || e instanceof ForbiddenError) error(e.status, e.message);
		throw e;
	}
	setFlowCookie(cookies, url, started.browserToken);
	redirect(302, started.url);
};
