import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	server: { fs: { allow: ['content'] } },
	// Pure-JS libraries the server uses at run time are bundled into the build (they stay in
	// `dependencies`): loading them from node_modules made Node parse drizzle-orm's 179 kB
	// package.json again for each of its files, which cost about a second and a 130 MB heap at start
	// (docs/benchmarks.md, "A lean process"). Native modules (argon2) and pg-boss, which is loaded
	// only when jobs run, stay external.
	ssr: { noExternal: [/^drizzle-orm(\/|$)/, /^postgres$/, /^zod(\/|$)/, /^yaml$/, /^@oslojs\//] },
	test: {
		include: ['src/**/*.spec.ts', 'tests/unit/**/*.spec.ts', 'tests/integration/**/*.spec.ts'],
		// Tests that cut a PostgreSQL connection need a server; the embedded database has none.
		exclude:
			process.env.TEST_DATABASE_URL || process.env.DATABASE_URL
				? ['**/node_modules/**']
				: ['**/node_modules/**', '**/*.pg.spec.ts'],
		environment: 'node',
		globalSetup: ['tests/helpers/global-setup.ts'],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		pool: 'forks',
		maxWorkers: 2
	}
});
