import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import {
	MAX_CREDENTIAL_BYTES,
	VerificationThrottledError,
	verifyCredentialFile
} from '$lib/server/certificates/service';
import { normaliseCode } from '$lib/server/certificates/code';
import { keysPath } from '$lib/server/certificates/credential';
import { readForm } from '$lib/server/http/forms';
import { ValidationError } from '$lib/server/errors';
import { VERIFY_HEADERS } from './headers';

const failWith = (
	status: number,
	errors: Record<string, string>,
	values: Record<string, string> = {}
) => fail(status, { errors, values });

export const load: PageServerLoad = ({ setHeaders }) => {
	setHeaders(VERIFY_HEADERS);
	return { keysPath };
};

export const actions: Actions = {
	/** A typed code: checked for shape here, then looked up on its own page (which is rate-limited). */
	code: async ({ request }) => {
		const form = await readForm(request);
		const raw = String(form.get('code') ?? '').trim();
		const values = { code: raw.slice(0, 64) };
		if (!raw) return failWith(400, { code: 'Enter the certificate code' }, values);
		const code = normaliseCode(raw);
		if (!code)
			return failWith(
				400,
				{
					code: 'Enter the code as it is printed on the certificate: 16 letters and numbers, like ABCD-EFGH-JKMN-PQRS'
				},
				values
			);
		redirect(303, `/verify/${code}`);
	},
	/** An uploaded JSON credential: its signature and the certificate's state now. */
	credential: async ({ request, getClientAddress, setHeaders }) => {
		const form = await readForm(request);
		const file = form.get('credential');
		if (!(file instanceof File) || file.size === 0 || !file.name)
			return failWith(400, { credential: 'Choose the certificate file to check' });
		if (file.size > MAX_CREDENTIAL_BYTES)
			return failWith(400, { credential: 'The selected file must be smaller than 64 KB' });
		try {
			return {
				check: await verifyCredentialFile(db(), await file.text(), getClientAddress()),
				fileName: file.name.slice(0, 200)
			};
		} catch (e) {
			if (e instanceof ValidationError) return failWith(400, e.fieldErrors);
			if (e instanceof VerificationThrottledError) {
				setHeaders({ 'Retry-After': String(e.retryAfterSeconds) });
				return failWith(429, { form: e.message });
			}
			throw e;
		}
	}
};
