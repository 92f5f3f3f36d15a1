import type { RequestHandler } from './$types';
import { database } from '$lib/server/app';
import {
	dashboardCsvRows,
	dashboardFilterSchema,
	dashboardScope
} from '$lib/server/tracking/service';
import { STATUS_LABELS } from '$lib/server/tracking/status';
import { csvResponse } from '$lib/server/http/csv-response';
import { orErrorPage } from '$lib/server/http/forms';
import { formatIsoDate } from '$lib/format';

/** The dashboard's people list with the same filters, every page of it, streamed as CSV. */
export const GET: RequestHandler = async ({ locals, url }) => {
	const filter = dashboardFilterSchema.parse(Object.fromEntries(url.searchParams));
	// Check scope before streaming starts, so an organisation out of scope is a 404, not a broken file.
	await orErrorPage(Promise.resolve().then(() => dashboardScope(locals.user!, filter)));
	const date = (v: string | null) => (v ? formatIsoDate(v) : '');
	async function* rows() {
		for await (const chunk of dashboardCsvRows(database(), locals.user!, filter))
			yield chunk.map((r) => [
				r.name,
				r.email,
				r.organisationName,
				r.teamName ?? '',
				r.courseTitle,
				STATUS_LABELS[r.status],
				date(r.dueAt),
				date(r.completedAt),
				date(r.expiresAt)
			]);
	}
	return csvResponse(
		`training-${new Date().toISOString().slice(0, 10)}.csv`,
		[
			'Name',
			'Email',
			'Organisation',
			'Team',
			'Course',
			'Status',
			'Due date',
			'Completed on',
			'Expires on'
		],
		rows()
	);
};
