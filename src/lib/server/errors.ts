/** Errors the services throw; routes turn them into 4xx answers with a clear message. */
export class NotFoundError extends Error {
	readonly status = 404;
	constructor(message = 'We could not find that.') {
		super(message);
		this.name = 'NotFoundError';
	}
}

export class ForbiddenError extends Error {
	readonly status = 403;
	constructor(message = 'You do not have permission to do that.') {
		super(message);
		this.name = 'ForbiddenError';
	}
}

/** Bad input: field-level messages keyed by form field name, plus an optional form-level message. */
export class ValidationError extends Error {
	readonly status = 400;
	constructor(
		readonly fieldErrors: Record<string, string>,
		message = 'There is a problem with what you entered.'
	) {
		super(message);
		this.name = 'ValidationError';
	}
}

export class ConflictError extends Error {
	readonly status = 409;
	constructor(message: string) {
		super(message);
		this.name = 'ConflictError';
	}
}

export type ServiceError = NotFoundError | ForbiddenError | ValidationError | ConflictError;

export function isServiceError(error: unknown): error is ServiceError {
	return (
		error instanceof NotFoundError ||
		error instanceof ForbiddenError ||
		error instanceof ValidationError ||
		error instanceof ConflictError
	);
}
