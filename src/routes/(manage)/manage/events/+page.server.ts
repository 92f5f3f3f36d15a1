import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { attendanceOverview, eventsForManage } from '$lib/server/events/service';

export const load: PageServerLoad = async ({ locals }) => ({
	attendance: await attendanceOverview(db(), locals.user!),
	events: (await eventsForManage(db(), locals.user!)).map((r) => ({
		id: r.event.id,
		title: r.event.title,
		organisationName: r.organisationName,
		courseTitle: r.courseTitle,
		firstStartsAt: r.firstStartsAt ? new Date(r.firstStartsAt) : null,
		capacity: r.event.capacity,
		cancelled: Boolean(r.event.cancelledAt),
		booked: r.counts?.booked ?? 0,
		waiting: r.counts?.waiting ?? 0,
		pending: r.counts?.['pending-approval'] ?? 0
	}))
});
