import { error } from '@sveltejs/kit';
import type { Component } from 'svelte';
import type { PageLoad } from './$types';

/** Each lesson is its own chunk: a lesson page loads only the lesson it shows. */
const lessonModules = import.meta.glob<{ default: Component }>('/content/courses/*/lessons/*.svx');

export const load: PageLoad = async ({ data }) => {
	const load = lessonModules[`/${data.lesson.file}`];
	if (!load) error(404, 'We could not find that lesson.');
	return { ...data, Lesson: (await load()).default };
};
