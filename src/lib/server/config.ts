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

/**
 * What a production start (NODE_ENV=production) must have, so that it cannot go wrong silently:
 * the public address (links in emails and QR codes), a PostgreSQL database unless the embedded one
 * is chosen on purpose, and the secret that encrypts the certificate signing key.
 */
export function productionProblems(env: NodeJS.ProcessEnv = process.env): string[] {
	if (env.NODE_ENV !== 'production') return [];
	const problems: string[] = [];
	if (!env.ORIGIN?.trim())
		problems.push(
			'Set ORIGIN to the public address of the platform (for example https://learning.example.org): links in emails and certificate QR codes are built from it.'
		);
	if (!env.DATABASE_URL?.trim() && env.EMBEDDED_DATABASE?.trim().toLowerCase() !== 'true')
		problems.push(
			'Set DATABASE_URL to your PostgreSQL database, or EMBEDDED_DATABASE=true to run on the embedded single-process database on purpose.'
		);
	if (!env.CERTIFICATE_KEY_SECRET?.trim())
		problems.push(
			'Set CERTIFICATE_KEY_SECRET to a long random secret: in production the certificate signing key is never stored unencrypted.'
		);
	if (Boolean(env.SAML_SP_PRIVATE_KEY?.trim()) !== Boolean(env.SAML_SP_CERTIFICATE?.trim()))
		problems.push(
			'Set both SAML_SP_PRIVATE_KEY and SAML_SP_CERTIFICATE, or neither: SAML requests are signed only with the pair.'
		);
	return problems;
}

export const config = readConfig();
