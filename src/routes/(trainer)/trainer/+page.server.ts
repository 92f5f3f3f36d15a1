import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { trainerEvents } from '$lib/server/events/service';

export const load: PageServerLoad = async ({ locals }) => ({
	events: (await trainerEvents(db(), locals.user!)).map((r) => ({
		id: r.event.id,
		title: r.event.title,
		cancelled: Boolean(r.event.cancelledAt),
		firstStartsAt: r.firstStartsAt ? new Date(r.firstStartsAt) : null
	}))
});
