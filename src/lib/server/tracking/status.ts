/**
 * Each person's status per required course, from their stored obligation (tracking/queries.ts),
 * derived (never typed in) from requirements, individual assignments and completions; dashboards,
 * lists, exports and reminders all read the same rows, so their numbers always agree.
 *
 * - An obligation comes from a requirement matching the person (organisation, team, audience;
 *   null matches anyone) or from an assignment. Several obligations for the same course merge:
 *   the earliest due date and the shortest renewal period win.
 * - Due date of a requirement: `due_within_days` after the later of the person joining and the
 *   requirement starting.
 * - A completion counts until it expires (`renewal_months` after completion; 0 = never). From
 *   RENEWAL_WINDOW_DAYS before expiry the person is "due soon" again; after it, "expired".
 */
export const DUE_SOON_DAYS = 14;
export const RENEWAL_WINDOW_DAYS = 30;

export const STATUSES = [
	'overdue',
	'expired',
	'due-soon',
	'in-progress',
	'not-started',
	'completed'
] as const;
export type TrackingStatus = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<TrackingStatus, string> = {
	overdue: 'Overdue',
	expired: 'Expired',
	'due-soon': 'Due soon',
	'in-progress': 'In progress',
	'not-started': 'Not started',
	completed: 'Completed'
};

export interface StatusScope {
	/** null = every organisation */
	organisationIds: readonly string[] | null;
	teamId?: string;
	courseId?: string;
	userId?: string;
}
