import { inject } from 'vitest';
import { freshDatabase, type TestDatabase } from './test-db.ts';

export * from './people.ts';

export async function testDatabase(): Promise<TestDatabase> {
	return freshDatabase(inject('dbTemplate'));
}
