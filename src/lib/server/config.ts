import path from 'node:path';

/**
 * Runtime configuration, read once from the environment. Plain process.env (not $env) so that the
 * command-line scripts share it with the app. Every setting is optional; see README "Configure".
 */
export interface AppConfig {
	databaseUrl: string | undefined;
	dataDir: string;
	origin: string | undefined;
	smtpUrl: string | undefined;
	mailFrom: string;
	production: boolean;
	migrationsDir: string;
	contentDir: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
	const databaseUrl = env.DATABASE_URL?.trim() || undefined;
	return {
		databaseUrl,
		dataDir: path.resolve(env.DATA_DIR?.trim() || 'data'),
		origin: env.ORIGIN?.trim() || undefined,
		smtpUrl: env.SMTP_URL?.trim() || undefined,
		mailFrom: env.MAIL_FROM?.trim() || 'Safer Learning <no-reply@localhost>',
		production: env.NODE_ENV === 'production',
		migrationsDir: path.resolve(env.MIGRATIONS_DIR?.trim() || 'drizzle'),
		contentDir: path.resolve(env.CONTENT_DIR?.trim() || 'content')
	};
}

export const config = readConfig();
