import type { PageServerLoad } from './$types';
import { db } from '$lib/server/app';
import { myLearning } from '$lib/server/courses/service';

// Nothing on "My learning" needs scripts: links and the sign-out form work as plain HTML. Without
// hydration a phone downloads and runs no JavaScript for it.
export const csr = false;

type Progress = Awaited<ReturnType<typeof myLearning>>['inProgress'][number]['progress'];

/** The one next step for a card: the lesson the learner was on, or the assessment when all are done. */
function nextStep(href: string, progress: Progress) {
	if (progress?.allDone)
		return { href: `${href}#final-assessment`, label: 'Take the final assessment' };
	if (progress?.resume && progress.doneCount > 0)
		return {
			href: `${href}/lessons/${progress.resume.slug}`,
			label: `Lesson ${progress.resume.position} of ${progress.total}: ${progress.resume.title}`
		};
	return null;
}

export const load: PageServerLoad = async ({ locals, url }) => {
	const learning = await myLearning(db(), locals.user!);
	// Only what the page shows: SvelteKit serialises page data on every request, scripts or not.
	const card = ({
		slug,
		href,
		title,
		progress
	}: {
		slug: string;
		href: string;
		title: string;
		progress: Progress;
	}) => ({
		slug,
		href,
		title,
		progress: progress ? { doneCount: progress.doneCount, total: progress.total } : null,
		next: nextStep(href, progress)
	});
	return {
		welcome: url.searchParams.get('welcome') === '1',
		firstName: locals.user!.name.split(' ')[0],
		required: learning.required.map((c) => ({
			...card(c),
			trackingStatus: c.trackingStatus,
			state: c.state,
			dueAt: c.dueAt,
			alsoMetBy: c.alsoMetBy
		})),
		inProgress: learning.inProgress.map((c) => ({ ...card(c), summary: c.summary })),
		notStarted: learning.notStarted.map((c) => ({
			...card(c),
			summary: c.summary,
			estimatedMinutes: c.estimatedMinutes
		})),
		completed: learning.completed.map((c) => ({
			...card(c),
			completedAt: c.completedAt!,
			certificate: c.certificate
		}))
	};
};
