import { getContext, setContext } from 'svelte';
import type { LessonComponentData } from '$lib/server/courses/service';

/** Lessons' components read their data (questions without answers, scenarios, contacts) from here. */
const KEY = Symbol('lesson-data');

export type { LessonComponentData };

export function setLessonData(get: () => LessonComponentData): void {
	setContext(KEY, get);
}

export function lessonData(): LessonComponentData {
	const get = getContext<(() => LessonComponentData) | undefined>(KEY);
	if (!get) throw new Error('Lesson components must be used inside a lesson page');
	return get();
}
