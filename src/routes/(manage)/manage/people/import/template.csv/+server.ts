import type { RequestHandler } from './$types';
import { db } from '$lib/server/app';
import { IMPORT_COLUMNS } from '$lib/server/people/import';
import { placementChoices } from '$lib/server/people/service';
import { csvLine } from '$lib/server/csv';

/** A CSV file to fill in: the columns the import reads, with an example row from the manager's own organisation. */
export const GET: RequestHandler = async ({ locals }) => {
	const choices = await placementChoices(db(), locals.user!);
	const org = choices.organisations[0];
	const team = choices.teams.find((t) => t.organisationId === org?.id);
	const body =
		'\ufeff' +
		csvLine([...IMPORT_COLUMNS]) +
		csvLine([
			'Alex Example',
			'alex.example@example.org',
			org?.name ?? '',
			team?.name ?? '',
			'front-line officer',
			'no'
		]);
	return new Response(body, {
		headers: {
			'Content-Type': 'text/csv; charset=utf-8',
			'Content-Disposition': 'attachment; filename="people-import-template.csv"',
			'Cache-Control': 'private, no-store'
		}
	});
};
