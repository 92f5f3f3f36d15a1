import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { bookPlace, cancelBooking, eventForLearner } from '$lib/server/events/service';
import { failFromError, readForm } from '$lib/server/http/forms';
import { orErrorPage } from '$lib/server/http/forms';
import { formToObject } from '$lib/server/validation';

export const load: PageServerLoad = async ({ locals, params }) =>
	orErrorPage(eventForLearner(db(), locals.user!, params.id));

export const actions: Actions = {
	book: async ({ request, locals, params }) => {
		const form = await readForm(request);
		try {
			const result = await bookPlace(db(), locals.user!, params.id, formToObject(form));
			return {
				saved:
					result.status === 'booked'
						? 'You have a place. We have emailed you the details and a calendar invitation.'
						: result.status === 'waiting'
							? `The session is full, so you are number ${result.position} on the waiting list. We will email you if a place comes free.`
							: 'A place is held for you while your manager decides. We will email you their decision.'
			};
		} catch (e) {
			return failFromError(e, form);
		}
	},
	cancel: async ({ request, locals }) => {
		const form = await readForm(request);
		try {
			await cancelBooking(db(), locals.user!, String(form.get('bookingId') ?? ''));
			return {
				saved:
					'Your booking is cancelled. We have emailed you a file that removes it from your calendar.'
			};
		} catch (e) {
			return failFromError(e, form);
		}
	}
};
