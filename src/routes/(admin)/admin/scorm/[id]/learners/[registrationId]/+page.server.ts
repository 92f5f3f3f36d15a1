import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { registrationSupport } from '$lib/server/scorm/packages';
import { orErrorPage } from '$lib/server/http/forms';

export const load: PageServerLoad = async ({ locals, params }) => ({
	packageId: params.id,
	support: await orErrorPage(
		registrationSupport(db(), locals.user!, params.id, params.registrationId)
	)
});
