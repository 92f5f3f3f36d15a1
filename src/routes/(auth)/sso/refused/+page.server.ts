import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { refusalContext, type RefusalCode } from '$lib/server/sso/service';

const MESSAGES: Record<RefusalCode, string> = {
	expired:
		'The sign-in took too long, was already used, or was begun in another browser. Start again from the sign-in page.',
	failed:
		'The answer from your organisation’s sign-in service could not be accepted. Try again; if it happens again, tell whoever looks after sign-in at your organisation. We have logged the reason.',
	deactivated: 'Your account on this platform has been deactivated.',
	'unknown-person': 'You do not have an account on this platform yet.',
	'other-organisation': 'The account with your email address belongs to another organisation here.',
	email:
		'Your organisation’s sign-in service did not send an email address we can accept for your organisation.',
	'not-available': 'Single sign-on is not switched on for this organisation.'
};

export const load: PageServerLoad = async ({ url }) => {
	const code = url.searchParams.get('reason') as RefusalCode | null;
	const org = await refusalContext(db(), url.searchParams.get('organisation'));
	return {
		message: code && code in MESSAGES ? MESSAGES[code] : MESSAGES.failed,
		organisation: org?.name ?? null,
		helpContact: org?.helpContact || null
	};
};
