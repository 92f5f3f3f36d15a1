/**
 * Whether the database can be reached, as this instance last saw it: a small circuit breaker.
 *
 * While PostgreSQL is unreachable, postgres.js keeps each query waiting for a connection behind its
 * reconnect backoff, so requests would stall for seconds. Instead, the first connection error
 * anyone sees opens the breaker: requests in flight and new ones are answered 503 at once (a page,
 * or JSON that the SCORM player retries), and a probe on a connection of its own asks the database
 * every few hundred milliseconds; its first answer closes the breaker again. Nothing is cached:
 * the state only decides whether to try.
 */
export interface Availability {
	/** true while the database is believed unreachable */
	readonly down: boolean;
	/** Call with any error: a connection error opens the breaker. Returns whether it was one. */
	report(error: unknown): boolean;
	/** The work's result, or DOWN as soon as the breaker opens while it runs. */
	race<T>(work: Promise<T>): Promise<T | typeof DOWN>;
	stop(): void;
}

export const DOWN: unique symbol = Symbol('database down');

export interface AvailabilityOptions {
	/** answers true when the database responds; must settle within about `probeTimeoutMs` */
	probe: () => Promise<boolean>;
	probeEveryMs?: number;
	onChange?: (down: boolean) => void;
}

export function createAvailability(options: AvailabilityOptions): Availability {
	const every = options.probeEveryMs ?? 250;
	let down = false;
	let stopped = false;
	let timer: NodeJS.Timeout | undefined;
	const waiters = new Set<() => void>();

	const probeLoop = async () => {
		timer = undefined;
		if (stopped || !down) return;
		const ok = await options.probe().catch(() => false);
		if (stopped) return;
		if (ok) {
			down = false;
			options.onChange?.(false);
		} else timer = setTimeout(() => void probeLoop(), every);
	};

	const open = () => {
		if (down || stopped) return;
		down = true;
		options.onChange?.(true);
		for (const w of waiters) w();
		waiters.clear();
		timer = setTimeout(() => void probeLoop(), every);
	};

	return {
		get down() {
			return down;
		},
		report(error) {
			if (!isConnectionError(error)) return false;
			open();
			return true;
		},
		async race<T>(work: Promise<T>): Promise<T | typeof DOWN> {
			if (down) return DOWN;
			let waiter: (() => void) | undefined;
			const opened = new Promise<typeof DOWN>((resolve) =>
				waiters.add((waiter = () => resolve(DOWN)))
			);
			try {
				return await Promise.race([work, opened]);
			} finally {
				waiters.delete(waiter!);
			}
		},
		stop() {
			stopped = true;
			clearTimeout(timer);
		}
	};
}

/** Used where no database can be down (the embedded one) and before start-up. */
export const alwaysAvailable: Availability = {
	down: false,
	report: (error) => isConnectionError(error),
	race: (work) => work,
	stop: () => {}
};

const CONNECTION_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EPIPE',
	'ENOTFOUND',
	'EHOSTUNREACH',
	'CONNECT_TIMEOUT',
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED',
	'57P01', // admin shutdown
	'57P02',
	'57P03' // cannot connect now (starting up)
]);

/** True when the error (or anything it wraps) means the database cannot be reached. */
export function isConnectionError(error: unknown): boolean {
	for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08')))
			return true;
		e = (e as { cause?: unknown }).cause;
	}
	return false;
}
