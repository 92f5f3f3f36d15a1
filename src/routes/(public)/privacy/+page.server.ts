import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { privacyNotice, retentionLines } from '$lib/server/privacy/service';
import { SESSION_COOKIE } from '$lib/server/auth/sessions';

export const load: PageServerLoad = async () => {
	const notice = await privacyNotice(db());
	return { notice, retention: retentionLines(notice.retention), sessionCookie: SESSION_COOKIE };
};
