import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { myLearning } from '$lib/server/courses/service';

// Nothing on "My learning" needs scripts: links and the sign-out form work as plain HTML. Without
// hydration a phone downloads and runs no JavaScript for it.
export const csr = false;

export const load: PageServerLoad = async ({ locals, url }) => {
	const learning = await myLearning(db(), locals.user!);
	// Only what the page shows: SvelteKit serialises page data on every request, scripts or not.
	const card = ({ slug, href, title }: { slug: string; href: string; title: string }) => ({ slug, href, title });
	return {
		welcome: url.searchParams.get('welcome') === '1',
		firstName: locals.user!.name.split(' ')[0],
		required: learning.required.map((c) => ({ ...card(c), trackingStatus: c.trackingStatus, state: c.state, dueAt: c.dueAt })),
		inProgress: learning.inProgress.map((c) => ({ ...card(c), summary: c.summary })),
		notStarted: learning.notStarted.map((c) => ({ ...card(c), summary: c.summary, estimatedMinutes: c.estimatedMinutes })),
		completed: learning.completed.map((c) => ({ ...card(c), completedAt: c.completedAt!, certificate: c.certificate }))
	};
};
