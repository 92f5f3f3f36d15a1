import { buildCourse, groupCourseFiles, type CourseContent } from './content-schema.ts';
import { fingerprintOf } from '../db/fingerprint.ts';

/**
 * Every course under content/courses, bundled into the server at build time. This module is
 * server-only ($lib/server): the question bank and its answers never reach the browser.
 */
const files = import.meta.glob(['/content/courses/*/*.yaml', '/content/courses/*/lessons/*.svx'], {
	query: '?raw',
	import: 'default',
	eager: true
}) as Record<string, string>;

export class ContentError extends Error {
	constructor(readonly problems: string[]) {
		super(`Course content has ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
		this.name = 'ContentError';
	}
}

let catalogue: Map<string, CourseContent> | undefined;

/** A hash of every course file as bundled: start-up registers courses only when it changes. */
export function courseFilesFingerprint(): string {
	return fingerprintOf(files);
}

/** All courses, validated; throws a ContentError naming each bad file. */
export function courseCatalogue(): Map<string, CourseContent> {
	if (catalogue) return catalogue;
	const problems: string[] = [];
	const courses = new Map<string, CourseContent>();
	for (const group of groupCourseFiles(files)) {
		const built = buildCourse(group);
		problems.push(...built.problems);
		if (built.course) courses.set(built.course.slug, built.course);
	}
	if (problems.length) throw new ContentError(problems);
	catalogue = courses;
	return courses;
}

export function courseContent(slug: string): CourseContent | undefined {
	return courseCatalogue().get(slug);
}
