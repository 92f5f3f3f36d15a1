import { error } from '@sveltejs/kit';
import type { Component } from 'svelte';
import type { PageLoad } from './$types';

/** Each lesson is its own chunk: a lesson page loads only the lesson it shows. */
const lessonModules = import.meta.glob<{ default: Component }>('/content/courses/*/lessons/*.svx');

// The import's promise, kept per file: the module is cached by the runtime anyway, but resolving a
// dynamic import again costs the server about 80 µs a page (docs/benchmarks.md, issue 13).
const imported = new Map<string, Promise<{ default: Component }>>();

export const load: PageLoad = async ({ data }) => {
	const file = `/${data.lesson.file}`;
	const load = lessonModules[file];
	if (!load) error(404, 'We could not find that lesson.');
	let module = imported.get(file);
	if (!module) {
		module = load();
		// A chunk that failed to load (a deploy replaced it) is tried again next time.
		module.catch(() => imported.delete(file));
		imported.set(file, module);
	}
	return { ...data, Lesson: (await module).default };
};
