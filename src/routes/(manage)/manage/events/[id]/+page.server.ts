import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import {
	bookPerson,
	cancelBooking,
	cancelEvent,
	decideApproval,
	eventForManage
} from '$lib/server/events/service';
import { failFromError, orErrorPage, readForm } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const view = await orErrorPage(eventForManage(db(), locals.user!, params.id));
	return {
		...view,
		bookings: view.bookings.map((b) => ({
			id: b.booking.id,
			name: b.name,
			organisationName: b.organisationName,
			status: b.booking.status,
			decisionReason: b.booking.decisionReason,
			mayDecide: b.mayDecide
		})),
		notice: url.searchParams.has('created')
			? 'Event created. It is open for booking from its booking date.'
			: url.searchParams.has('changed')
				? 'Changes saved. People with a place have been emailed if the times, venue or title changed.'
				: null
	};
};

export const actions: Actions = {
	book: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			const r = await bookPerson(db(), locals.user!, params.id, form.get('personId'));
			return {
				saved:
					r.status === 'booked'
						? 'Booked. They have been emailed the details and a calendar invitation.'
						: `The event is full, so they are number ${r.position} on the waiting list.`
			};
		} catch (e) {
			return failFromError(e, form);
		}
	},
	decide: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			await decideApproval(
				db(),
				locals.user!,
				String(form.get('bookingId') ?? ''),
				formToObject(form)
			);
			return {
				saved:
					form.get('decision') === 'approve'
						? 'Approved. They have been emailed.'
						: 'Declined. They have been emailed your reason.'
			};
		} catch (e) {
			return failFromError(e, form);
		}
	},
	cancelBooking: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			await cancelBooking(db(), locals.user!, String(form.get('bookingId') ?? ''));
			return {
				saved: 'Booking cancelled. If a place came free, the first person waiting has it now.'
			};
		} catch (e) {
			return failFromError(e, form);
		}
	},
	cancelEvent: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			await cancelEvent(db(), locals.user!, params.id, form.get('reason'));
			return { saved: 'Event cancelled. Everyone booked or waiting has been told.' };
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
