import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { listOutbox } from '$lib/server/email/mailer';

export const load: PageServerLoad = async ({ url, locals }) => {
	const page = Math.max(
		1,
		Math.min(100_000, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1)
	);
	return { ...(await listOutbox(db(), locals.user!, page, 20)), page, pageSize: 20 };
};
