import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the schema and committed; both drivers (postgres.js and PGlite) apply the same set.
export default defineConfig({
	dialect: 'postgresql',
	schema: [
		'./src/lib/server/db/schema.ts',
		'./src/lib/server/db/schema-scorm.ts',
		'./src/lib/server/db/schema-events.ts'
	],
	out: './drizzle'
});
