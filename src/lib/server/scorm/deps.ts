import { scormSettings } from './settings.ts';
import { scormStorage } from './storage.ts';
import type { ImportDeps } from './packages.ts';

/** adapter-node refuses request bodies over BODY_SIZE_LIMIT (default 512K) before our code runs. */
export function bodySizeLimitBytes(env: NodeJS.ProcessEnv = process.env): number {
	const raw = (env.BODY_SIZE_LIMIT ?? '512K').trim();
	if (raw === 'Infinity') return Infinity;
	const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)B?$/i.exec(raw);
	if (!m) return 512 * 1024;
	const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[
		m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'
	];
	return Math.floor(Number(m[1]) * mult);
}

/** What the import needs, from the environment. The effective upload limit is the lower of the two. */
export function importDeps(): ImportDeps & { uploadLimitBytes: number } {
	const settings = scormSettings();
	const bodyLimit = bodySizeLimitBytes();
	return {
		storage: scormStorage(settings.storage),
		maxUploadBytes: settings.maxUploadBytes,
		uploadLimitBytes: Math.min(settings.maxUploadBytes, bodyLimit)
	};
}
