import { parse } from 'yaml';
import { z } from 'zod';
import { audiences, type Audience } from '../db/schema.ts';

/**
 * Course content as written in content/courses/<slug>/ (see content/README.md), validated into
 * typed structures. Pure functions over file texts, so they are tested with crafted bad files too.
 */
export type LessonAudience = 'all' | Audience;

export interface QuestionOption {
	text: string;
	correct: boolean;
}
/** Where a question is used: a lesson's knowledge check (checks.yaml) or the final assessment (assessment.yaml). */
export type QuestionUse = 'check' | 'assessment';
/** application: a situation, then what you would do and why; recall: a fact to remember. */
export type QuestionKind = 'application' | 'recall';
export interface BankQuestion {
	id: string;
	question: string;
	options: QuestionOption[];
	explanation: string;
	audience: LessonAudience;
	use: QuestionUse;
	kind: QuestionKind | null;
	/** index of the one correct option */
	answer: number;
}
export interface ScenarioChoice {
	text: string;
	feedback: string;
	rating: 'good' | 'mixed' | 'poor';
	next?: string;
}
export interface Scenario {
	id: string;
	title: string;
	audience: LessonAudience;
	start: string;
	steps: Record<string, { text: string; choices: ScenarioChoice[] }>;
	debrief: string;
}
export interface LessonMeta {
	slug: string;
	file: string;
	title: string;
	audience: LessonAudience;
	minutes: number;
	kind: 'lesson' | 'sources';
	knowledgeCheckIds: string[];
	scenarioIds: string[];
	/** the Markdown body without front matter and script, for readability measures */
	body: string;
}
export interface CourseContent {
	slug: string;
	title: string;
	summary: string;
	audiences: Audience[];
	estimatedMinutes: number;
	passMark: number;
	assessmentQuestions: number;
	validityMonths: number;
	version: string;
	contentNote: string | null;
	lessons: LessonMeta[];
	questions: Map<string, BankQuestion>;
	scenarios: Map<string, Scenario>;
}

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and hyphens');
const text = z.string().trim().min(1, 'must not be empty');
const lessonAudience = z.enum(['all', ...audiences]).default('all');

const courseSchema = z.object({
	slug: id,
	title: text,
	summary: text,
	audiences: z.array(z.enum(audiences)).min(1),
	estimatedMinutes: z.number().int().positive(),
	passMark: z.number().int().min(1).max(100),
	assessmentQuestions: z.number().int().min(1),
	validityMonths: z.number().int().min(0),
	version: z
		.union([z.string(), z.number()])
		.transform(String)
		.pipe(z.string().regex(/^\d+(\.\d+)*$/, 'must look like 1.0.0')),
	contentNote: z.string().trim().optional()
});

const questionSchema = z.object({
	id,
	question: text,
	options: z
		.array(z.object({ text, correct: z.boolean().optional().default(false) }))
		.min(2)
		.max(6),
	explanation: text,
	audience: lessonAudience,
	kind: z.enum(['application', 'recall']).optional()
});

const scenarioSchema = z.object({
	id,
	title: text,
	audience: lessonAudience,
	start: id,
	steps: z.record(
		id,
		z.object({
			text,
			choices: z
				.array(
					z.object({
						text,
						feedback: text,
						rating: z.enum(['good', 'mixed', 'poor']),
						next: id.optional()
					})
				)
				.min(2)
		})
	),
	debrief: text
});

const lessonFrontMatter = z.object({
	title: text,
	audience: lessonAudience,
	minutes: z.number().int().positive().default(5),
	kind: z.enum(['lesson', 'sources']).default('lesson')
});

export interface CourseFiles {
	slug: string;
	/** file path → text, for course.yaml, questions.yaml, scenarios.yaml and lessons/*.svx */
	course?: { path: string; text: string };
	/** knowledge checks shown in lessons; never drawn for the assessment */
	checks?: { path: string; text: string };
	/** the final assessment's pool; never shown in lessons */
	assessment?: { path: string; text: string };
	/** the old single bank, refused with a message saying how to split it */
	questions?: { path: string; text: string };
	scenarios?: { path: string; text: string };
	lessons: { path: string; text: string }[];
}

function describe(error: z.ZodError): string {
	return error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
}

function parseYaml(file: { path: string; text: string }, problems: string[]): unknown {
	try {
		return parse(file.text);
	} catch (e) {
		problems.push(`${file.path}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
		return undefined;
	}
}

export function lessonSlugOf(path: string): string {
	return path
		.split('/')
		.pop()!
		.replace(/\.svx$/, '')
		.replace(/^\d+-/, '');
}

/** Validates one course's files; returns the course, or the problems, each naming its file. */
export function buildCourse(files: CourseFiles): { course?: CourseContent; problems: string[] } {
	const problems: string[] = [];
	if (!files.course) return { problems: [`content/courses/${files.slug}: course.yaml is missing`] };
	const meta = courseSchema.safeParse(parseYaml(files.course, problems));
	if (!meta.success) problems.push(`${files.course.path}: ${describe(meta.error)}`);
	else if (meta.data.slug !== files.slug)
		problems.push(
			`${files.course.path}: slug "${meta.data.slug}" must match the folder name "${files.slug}"`
		);

	const questions = new Map<string, BankQuestion>();
	if (files.questions)
		problems.push(
			`${files.questions.path}: split it into checks.yaml (knowledge checks in lessons) and assessment.yaml (the final assessment's pool)`
		);
	const banks: [QuestionUse, { path: string; text: string } | undefined, string][] = [
		['check', files.checks, 'checks.yaml'],
		['assessment', files.assessment, 'assessment.yaml']
	];
	for (const [use, file, name] of banks) {
		if (!file) {
			problems.push(`content/courses/${files.slug}: ${name} is missing`);
			continue;
		}
		const raw = parseYaml(file, problems);
		const list = z.array(z.unknown()).safeParse(raw ?? []);
		if (!list.success) problems.push(`${file.path}: must be a list of questions`);
		for (const [i, item] of (list.data ?? []).entries()) {
			const q = questionSchema.safeParse(item);
			const label = `${file.path}: question ${(item as { id?: string })?.id ?? `#${i + 1}`}`;
			if (!q.success) {
				problems.push(`${label}: ${describe(q.error)}`);
				continue;
			}
			const correct = q.data.options.flatMap((o, index) => (o.correct ? [index] : []));
			if (correct.length !== 1)
				problems.push(`${label}: must have exactly one correct option (has ${correct.length})`);
			if (questions.has(q.data.id)) problems.push(`${label}: id is used twice`);
			questions.set(q.data.id, {
				...q.data,
				use,
				kind: q.data.kind ?? null,
				answer: correct[0] ?? 0
			});
		}
	}

	const scenarios = new Map<string, Scenario>();
	if (files.scenarios) {
		const raw = parseYaml(files.scenarios, problems);
		for (const [i, item] of (Array.isArray(raw) ? raw : []).entries()) {
			const s = scenarioSchema.safeParse(item);
			const label = `${files.scenarios.path}: scenario ${(item as { id?: string })?.id ?? `#${i + 1}`}`;
			if (!s.success) {
				problems.push(`${label}: ${describe(s.error)}`);
				continue;
			}
			const steps = s.data.steps;
			if (!steps[s.data.start]) problems.push(`${label}: start "${s.data.start}" is not a step`);
			for (const [stepId, step] of Object.entries(steps))
				for (const choice of step.choices)
					if (choice.next && !steps[choice.next])
						problems.push(
							`${label}: step ${stepId} leads to "${choice.next}", which is not a step`
						);
			const reached = new Set<string>();
			const queue = [s.data.start];
			while (queue.length) {
				const next = queue.pop()!;
				if (reached.has(next) || !steps[next]) continue;
				reached.add(next);
				for (const c of steps[next].choices) if (c.next) queue.push(c.next);
			}
			for (const stepId of Object.keys(steps))
				if (!reached.has(stepId))
					problems.push(`${label}: step ${stepId} cannot be reached from the start`);
			if (scenarios.has(s.data.id)) problems.push(`${label}: id is used twice`);
			scenarios.set(s.data.id, s.data);
		}
	}

	const lessons: LessonMeta[] = [];
	const sorted = [...files.lessons].sort((a, b) => a.path.localeCompare(b.path));
	if (sorted.length === 0) problems.push(`content/courses/${files.slug}: there are no lessons`);
	for (const file of sorted) {
		const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(file.text);
		if (!match) {
			problems.push(`${file.path}: front matter (--- title ... ---) is missing`);
			continue;
		}
		const fm = lessonFrontMatter.safeParse(
			parseYaml({ path: file.path, text: match[1]! }, problems)
		);
		if (!fm.success) {
			problems.push(`${file.path}: ${describe(fm.error)}`);
			continue;
		}
		const body = file.text.slice(match[0].length).replace(/<script[\s\S]*?<\/script>/g, '');
		const knowledgeCheckIds = [...body.matchAll(/<KnowledgeCheck\s+id="([^"]+)"/g)].map(
			(m) => m[1]!
		);
		const scenarioIds = [...body.matchAll(/<Scenario\s+id="([^"]+)"/g)].map((m) => m[1]!);
		for (const q of knowledgeCheckIds) {
			const question = questions.get(q);
			if (!question) problems.push(`${file.path}: KnowledgeCheck id "${q}" is not in checks.yaml`);
			else if (question.use !== 'check')
				problems.push(
					`${file.path}: KnowledgeCheck id "${q}" is an assessment question; knowledge checks come from checks.yaml`
				);
		}
		for (const s of scenarioIds)
			if (!scenarios.has(s))
				problems.push(`${file.path}: Scenario id "${s}" is not in scenarios.yaml`);
		lessons.push({
			slug: lessonSlugOf(file.path),
			file: file.path,
			...fm.data,
			knowledgeCheckIds,
			scenarioIds,
			body
		});
	}
	const checked = new Set(lessons.flatMap((l) => l.knowledgeCheckIds));
	for (const q of questions.values())
		if (q.use === 'check' && !checked.has(q.id))
			problems.push(
				`${files.checks!.path}: question ${q.id} is not used by any lesson (<KnowledgeCheck id="${q.id}" />)`
			);
	const sourcesAt = lessons.findIndex((l) => l.kind === 'sources');
	if (lessons.length && sourcesAt !== lessons.length - 1)
		problems.push(
			`content/courses/${files.slug}: the last lesson must be the sources page (kind: sources)`
		);

	if (meta.success) {
		for (const audience of meta.data.audiences) {
			const pool = [...questions.values()].filter(
				(q) => q.use === 'assessment' && (q.audience === 'all' || q.audience === audience)
			).length;
			if (pool < meta.data.assessmentQuestions)
				problems.push(
					`${files.course.path}: the assessment draws ${meta.data.assessmentQuestions} questions but only ${pool} are open to ${audience}`
				);
		}
	}
	if (problems.length || !meta.success) return { problems };
	return {
		course: {
			...meta.data,
			contentNote: meta.data.contentNote ?? null,
			lessons,
			questions,
			scenarios
		},
		problems
	};
}

/** Groups globbed files (keys like /content/courses/<slug>/...) into one CourseFiles per folder. */
export function groupCourseFiles(files: Record<string, string>): CourseFiles[] {
	const bySlug = new Map<string, CourseFiles>();
	for (const [key, text] of Object.entries(files)) {
		const m = /content\/courses\/([^/]+)\/(.+)$/.exec(key);
		if (!m) continue;
		const [, slug, rest] = m as unknown as [string, string, string];
		const path = `content/courses/${slug}/${rest}`;
		const entry = bySlug.get(slug) ?? { slug, lessons: [] };
		bySlug.set(slug, entry);
		if (rest === 'course.yaml') entry.course = { path, text };
		else if (rest === 'checks.yaml') entry.checks = { path, text };
		else if (rest === 'assessment.yaml') entry.assessment = { path, text };
		else if (rest === 'questions.yaml') entry.questions = { path, text };
		else if (rest === 'scenarios.yaml') entry.scenarios = { path, text };
		else if (/^lessons\/[^/]+\.svx$/.test(rest)) entry.lessons.push({ path, text });
	}
	return [...bySlug.values()].sort((a, b) => a.slug.localeCompare(b.slug));
}

export function lessonsFor(course: CourseContent, audience: Audience): LessonMeta[] {
	return course.lessons.filter((l) => l.audience === 'all' || l.audience === audience);
}
