import { error, redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { VerificationThrottledError, verifyCode } from '$lib/server/certificates/service';
import { normaliseCode } from '$lib/server/certificates/code';
import { VERIFY_HEADERS } from '../headers';

export const load: PageServerLoad = async ({ params, getClientAddress, setHeaders }) => {
	setHeaders(VERIFY_HEADERS);
	// One address per certificate: a code typed in lower case or without hyphens goes to its canonical form.
	const canonical = normaliseCode(params.code);
	if (canonical && canonical !== params.code) redirect(308, `/verify/${canonical}`);
	try {
		return { result: await verifyCode(db(), params.code, getClientAddress()) };
	} catch (e) {
		if (e instanceof VerificationThrottledError) {
			setHeaders({ 'Retry-After': String(e.retryAfterSeconds) });
			error(429, e.message);
		}
		throw e;
	}
};
