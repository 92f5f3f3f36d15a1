import { error, type RequestHandler } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import {
	certificateCredential,
	downloadName,
	ownCertificate,
	publicOrigin
} from '$lib/server/certificates/service';
import { orErrorPage } from '$lib/server/http/forms';

/** The learner's own certificate as a signed JSON credential (Open Badges 3.0 / W3C VC 2.0). */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const certificate = await orErrorPage(ownCertificate(db(), locals.user!, params.code!));
	if (certificate.state === 'revoked')
		error(410, 'This certificate has been revoked, so it can no longer be downloaded.');
	const credential = await certificateCredential(db(), certificate, publicOrigin(url));
	return new Response(JSON.stringify(credential, null, 2), {
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Disposition': `attachment; filename="${downloadName(certificate.code, 'json')}"`,
			'Cache-Control': 'private, no-store'
		}
	});
};
