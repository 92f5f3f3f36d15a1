import type { AuthUser, SessionInfo } from '$lib/server/auth/sessions';

declare global {
	namespace App {
		interface Locals {
			user: AuthUser | null;
			session: SessionInfo | null;
			/** Set by handleError when a request failed because the database could not be reached. */
			databaseUnavailable?: boolean;
		}
		interface Error {
			message: string;
			/** A short reference to quote to support; matches the server log line. */
			reference?: string;
		}
	}
}

export {};
