/** Milliseconds per start-up step, logged with "ready" (docs/benchmarks.md reads them). */
export type StartupSteps = Record<string, number>;

export async function timed<T>(
	steps: StartupSteps,
	name: string,
	work: () => Promise<T>
): Promise<T> {
	const t0 = performance.now();
	try {
		return await work();
	} finally {
		steps[name] = Math.round(performance.now() - t0);
	}
}
