import type { RequestHandler } from '@sveltejs/kit';
import { db } from '$lib/server/app';
import {
	certificatePdf,
	downloadName,
	managedCertificate,
	publicOrigin
} from '$lib/server/certificates/service';
import { orErrorPage } from '$lib/server/http/forms';

/** A certificate of someone in the manager's organisations (admins: anyone), as a PDF. */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const certificate = await orErrorPage(managedCertificate(db(), locals.user!, params.code!));
	const pdf = await orErrorPage(certificatePdf(db(), certificate, publicOrigin(url)));
	return new Response(Buffer.from(pdf), {
		headers: {
			'Content-Type': 'application/pdf',
			'Content-Disposition': `attachment; filename="${downloadName(certificate.code, 'pdf')}"`,
			'Cache-Control': 'private, no-store'
		}
	});
};
