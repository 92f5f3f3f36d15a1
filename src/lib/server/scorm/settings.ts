import path from 'node:path';
import { config } from '../config.ts';

/**
 * SCORM settings, read from the environment once (see README "SCORM packages"). Kept here, not in
 * config.ts, so the capability owns its configuration.
 */
export interface ScormSettings {
	/** the platform's own origin: the only one the content wrapper talks to */
	appOrigin: string;
	/** where package files (and the player wrapper) are served from; must differ from appOrigin */
	contentOrigin: string;
	contentPort: number;
	/** address the content server listens on; undefined = every interface */
	contentHost: string | undefined;
	/** false: don't start the content server in this process (e.g. it runs elsewhere) */
	contentServer: boolean;
	maxUploadBytes: number;
	storage: { kind: 'local'; dir: string } | { kind: 's3'; s3: S3Settings };
}

export interface S3Settings {
	endpoint: string;
	bucket: string;
	region: string;
	accessKeyId: string;
	secretAccessKey: string;
	prefix: string;
	/** `https://endpoint/bucket/key` (MinIO and most S3-compatible stores) rather than `https://bucket.endpoint/key` */
	pathStyle: boolean;
	/** attempts per request, retries included (the SDK's backoff) */
	maxAttempts?: number;
}

export function readScormSettings(
	env: NodeJS.ProcessEnv = process.env,
	dataDir = config.dataDir,
	origin = config.origin
): ScormSettings {
	const port = Number(env.PORT ?? 3000);
	const appOrigin = new URL(origin ?? `http://localhost:${port}`).origin;
	const contentPort = Number(env.CONTENT_PORT ?? port + 1);
	if (!Number.isInteger(contentPort) || contentPort <= 0 || contentPort > 65535)
		throw new Error('CONTENT_PORT must be a port number');
	// The default content origin is another *site* as well as another origin: 127.0.0.1 when the
	// app is on localhost (the usual local set-up), localhost when the app itself is on 127.0.0.1.
	const defaultHost = new URL(appOrigin).hostname === '127.0.0.1' ? 'localhost' : '127.0.0.1';
	const contentOrigin = new URL(
		env.CONTENT_ORIGIN?.trim() || `http://${defaultHost}:${contentPort}`
	).origin;
	if (contentOrigin === appOrigin)
		throw new Error(
			'CONTENT_ORIGIN must differ from the platform origin: package content must never run on the platform origin'
		);
	const mb = Number(env.SCORM_MAX_UPLOAD_MB ?? 200);
	if (!Number.isFinite(mb) || mb <= 0)
		throw new Error('SCORM_MAX_UPLOAD_MB must be a positive number');
	const kind = (env.SCORM_STORAGE ?? 'local').trim().toLowerCase();
	let storage: ScormSettings['storage'];
	if (kind === 's3') {
		const need = (name: string) => {
			const v = env[name]?.trim();
			if (!v) throw new Error(`${name} is required when SCORM_STORAGE=s3`);
			return v;
		};
		storage = {
			kind: 's3',
			s3: {
				endpoint: need('SCORM_S3_ENDPOINT').replace(/\/+$/, ''),
				bucket: need('SCORM_S3_BUCKET'),
				region: env.SCORM_S3_REGION?.trim() || 'us-east-1',
				accessKeyId: need('SCORM_S3_ACCESS_KEY_ID'),
				secretAccessKey: need('SCORM_S3_SECRET_ACCESS_KEY'),
				prefix: (env.SCORM_S3_PREFIX?.trim() ?? '').replace(/^\/+|\/+$/g, ''),
				pathStyle: (env.SCORM_S3_PATH_STYLE ?? 'true').trim().toLowerCase() !== 'false',
				maxAttempts: Math.max(1, Math.floor(Number(env.SCORM_S3_MAX_ATTEMPTS?.trim() || 3)) || 3)
			}
		};
	} else if (kind === 'local') {
		storage = {
			kind: 'local',
			dir: path.resolve(env.SCORM_STORAGE_DIR?.trim() || path.join(dataDir, 'scorm'))
		};
	} else throw new Error('SCORM_STORAGE must be "local" or "s3"');
	return {
		appOrigin,
		contentOrigin,
		contentPort,
		contentHost: env.CONTENT_HOST?.trim() || undefined,
		contentServer: (env.CONTENT_SERVER ?? 'on').trim().toLowerCase() !== 'off',
		maxUploadBytes: Math.round(mb * 1024 * 1024),
		storage
	};
}

let cached: ScormSettings | undefined;
export function scormSettings(): ScormSettings {
	cached ??= readScormSettings();
	return cached;
}
