import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { partnershipDashboard } from '$lib/server/tracking/partnership';
import { csvResponse } from '$lib/server/http/csv-response';

/** The side-by-side table as on screen: one row per organisation and required course. */
export const GET: RequestHandler = async ({ locals }) => {
	const d = await partnershipDashboard(db(), locals.user!);
	async function* rows() {
		yield d.matrix.map((m) => [
			d.organisations.find((o) => o.id === m.organisationId)?.name ?? '',
			d.courses.find((c) => c.id === m.courseId)?.title ?? '',
			m.required,
			m.trained,
			`${m.rate}%`,
			m.behind
		]);
	}
	return csvResponse(
		`partnership-training-${new Date().toISOString().slice(0, 10)}.csv`,
		['Organisation', 'Course', 'Required', 'Trained', 'Trained %', 'Overdue or expired'],
		rows()
	);
};
