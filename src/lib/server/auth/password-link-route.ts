import { error, redirect, type Actions } from '@sveltejs/kit';
import { db } from '../app.ts';
import { invitationAlreadyUsed, passwordLinkHolder, setPasswordFromLink } from './service.ts';
import { setSessionCookie } from './cookies.ts';
import { failFromError, readForm } from '../http/forms.ts';
import { formToObject } from '../validation.ts';

const EXPIRED = {
	invite:
		'This invitation link has expired or has already been used. Ask your manager to send a new invitation.',
	reset:
		'This password reset link has expired or has already been used. You can ask for a new link.'
} as const;

/** The invite and reset pages differ only in wording: one load and one action serve both. */
export function passwordLinkRoute(kind: 'invite' | 'reset') {
	const load = async ({ params }: { params: { token: string } }) => {
		const person = await passwordLinkHolder(db(), kind, params.token);
		if (person) return { person, alreadySetUp: false };
		// A used invitation for an account that is set up: say so and offer sign-in.
		if (kind === 'invite' && (await invitationAlreadyUsed(db(), params.token)))
			return { person: null, alreadySetUp: true };
		error(404, EXPIRED[kind]);
	};
	const actions: Actions = {
		default: async ({ request, params, cookies, url }) => {
			const form = await readForm(request);
			let session;
			try {
				session = await setPasswordFromLink(db(), kind, params.token ?? '', formToObject(form));
			} catch (e) {
				return failFromError(e, form);
			}
			if (!session) error(404, EXPIRED[kind]);
			setSessionCookie(cookies, url, session);
			redirect(303, '/?welcome=1');
		}
	};
	return { load, actions };
}
