import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { recordCsvHeader, recordCsvRow, recordOfLearning } from '$lib/server/learners/record';
import { csvResponse } from '$lib/server/http/csv-response';

/** The learner's own record of learning as CSV. */
export const GET: RequestHandler = async ({ locals }) => {
	const rows = await recordOfLearning(db(), locals.user!);
	async function* chunks() {
		yield rows.map(recordCsvRow);
	}
	return csvResponse(
		`record-of-learning-${new Date().toISOString().slice(0, 10)}.csv`,
		recordCsvHeader,
		chunks()
	);
};
