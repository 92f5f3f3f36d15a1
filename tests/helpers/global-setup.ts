import type { TestProject } from 'vitest/node';
import { adminSql, createPostgresDatabase, runId, serverUrl } from './test-db.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		dbTemplate: string | undefined;
	}
}

/** Migrates one template database per run; each test file copies it. */
export default async function setup(project: TestProject) {
	if (!serverUrl) {
		project.provide('dbTemplate', undefined);
		return;
	}
	const template = await createPostgresDatabase();
	project.provide('dbTemplate', template.name);
	return async () => {
		await template.drop();
		// Anything a crashed test file of this run left behind.
		await adminSql(async (sql) => {
			const left = await sql<
				{ datname: string }[]
			>`select datname from pg_database where datname like ${`sl_test_${runId}_%`}`;
			for (const { datname } of left)
				await sql.unsafe(`drop database if exists ${datname} with (force)`);
		});
	};
}
