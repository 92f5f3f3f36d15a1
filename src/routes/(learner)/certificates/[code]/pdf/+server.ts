import { error, type RequestHandler } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import {
	certificatePdf,
	downloadName,
	ownCertificate,
	publicOrigin
} from '$lib/server/certificates/service';
import { orErrorPage } from '$lib/server/http/forms';

/** The learner's own certificate as a PDF. A revoked certificate is not handed out again. */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const certificate = await orErrorPage(ownCertificate(db(), locals.user!, params.code!));
	if (certificate.state === 'revoked')
		error(410, 'This certificate has been revoked, so it can no longer be downloaded.');
	const pdf = await certificatePdf(db(), certificate, publicOrigin(url));
	return new Response(Buffer.from(pdf), {
		headers: {
			'Content-Type': 'application/pdf',
			'Content-Disposition': `attachment; filename="${downloadName(certificate.code, 'pdf')}"`,
			'Cache-Control': 'private, no-store'
		}
	});
};
