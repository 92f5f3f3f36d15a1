import type { RequestHandler } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import {
	certificateCredential,
	downloadName,
	managedCertificate,
	publicOrigin
} from '$lib/server/certificates/service';
import { orErrorPage } from '$lib/server/http/forms';

/** A certificate of someone in the manager's organisations (admins: anyone), as a signed JSON credential. */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const certificate = await orErrorPage(managedCertificate(db(), locals.user!, params.code!));
	const credential = await orErrorPage(certificateCredential(db(), certificate, publicOrigin(url)));
	return new Response(JSON.stringify(credential, null, 2), {
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Disposition': `attachment; filename="${downloadName(certificate.code, 'json')}"`,
			'Cache-Control': 'private, no-store'
		}
	});
};
