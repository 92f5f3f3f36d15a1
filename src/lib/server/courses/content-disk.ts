import fs from 'node:fs';
import path from 'node:path';
import { buildCourse, type CourseContent } from './content-schema.ts';

/**
 * The same catalogue as content.ts, read from disk instead of the build, for command-line scripts
 * (demo seed, benchmark) that run outside Vite.
 */
export function loadCatalogueFromDisk(contentDir: string): Map<string, CourseContent> {
	const root = path.join(contentDir, 'courses');
	const catalogue = new Map<string, CourseContent>();
	for (const slug of fs.readdirSync(root)) {
		const dir = path.join(root, slug);
		if (!fs.statSync(dir).isDirectory()) continue;
		const read = (rel: string) =>
			fs.existsSync(path.join(dir, rel))
				? {
						path: `content/courses/${slug}/${rel}`,
						text: fs.readFileSync(path.join(dir, rel), 'utf8')
					}
				: undefined;
		const built = buildCourse({
			slug,
			course: read('course.yaml'),
			checks: read('checks.yaml'),
			assessment: read('assessment.yaml'),
			questions: read('questions.yaml'),
			scenarios: read('scenarios.yaml'),
			lessons: fs
				.readdirSync(path.join(dir, 'lessons'))
				.filter((f) => f.endsWith('.svx'))
				.map((f) => read(`lessons/${f}`)!)
		});
		if (!built.course) throw new Error(built.problems.join('\n'));
		catalogue.set(slug, built.course);
	}
	return catalogue;
}
