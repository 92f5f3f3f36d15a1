import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { myProfile, recordOfLearning } from '$lib/server/learners/record';
import { recordPdf } from '$lib/server/learners/record-pdf';
import { brandingFor } from '$lib/server/partnership/branding-cache';

/** The learner's own record of learning as a PDF. */
export const GET: RequestHandler = async ({ locals }) => {
	const [profile, rows, branding] = await Promise.all([
		myProfile(db(), locals.user!),
		recordOfLearning(db(), locals.user!),
		brandingFor(db())
	]);
	const pdf = await recordPdf(locals.user!, profile, rows, branding.fullName);
	return new Response(Buffer.from(pdf), {
		headers: {
			'Content-Type': 'application/pdf',
			'Content-Disposition': `attachment; filename="record-of-learning-${new Date().toISOString().slice(0, 10)}.pdf"`,
			'Cache-Control': 'private, no-store'
		}
	});
};
