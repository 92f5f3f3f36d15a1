import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { managedCertificate, revokeCertificate } from '$lib/server/certificates/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, params }) => {
	const c = await orErrorPage(managedCertificate(db(), locals.user!, params.code));
	return {
		certificate: {
			code: c.code,
			userId: c.userId,
			learnerName: c.learnerName,
			organisationName: c.organisationName,
			courseTitle: c.courseTitle,
			partnershipName: c.partnershipName,
			completedAt: c.completedAt,
			issuedAt: c.issuedAt,
			expiresAt: c.expiresAt,
			keyId: c.keyId,
			state: c.state,
			withdrawnAt: c.withdrawnAt,
			revokeReason: c.revokeReason,
			revokedByName: c.revokedByName,
			voided: Boolean(c.voidedAt && !c.revokedAt)
		},
		history: c.history,
		canRevoke: locals.user!.isAdmin
	};
};

export const actions: Actions = {
	revoke: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await revokeCertificate(db(), locals.user!, params.code, formToObject(form));
			return { saved: 'Certificate revoked. Checking its code now says it is revoked.' };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
