import type { Readable } from 'node:stream';
import {
	DeleteObjectsCommand,
	GetObjectCommand,
	S3Client,
	paginateListObjectsV2,
	type GetObjectCommandOutput
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Settings } from './settings.ts';
import {
	assertKey,
	StorageUnavailableError,
	type ScormStorage,
	type StoredObject
} from './storage.ts';

const MB = 1024 * 1024;

/**
 * An S3-compatible bucket through the AWS SDK: uploads stream as multipart (8 MB parts, two in
 * flight, so memory stays flat whatever the file's size), byte ranges go through to the bucket,
 * listings are paginated and deletions batched (1,000 keys a request). The SDK retries throttling,
 * 5xx answers and network errors with backoff (`SCORM_S3_MAX_ATTEMPTS`, default 3 attempts).
 */
export class S3Storage implements ScormStorage {
	readonly kind = 's3';
	readonly client: S3Client;
	/** keys per listing page and per batch delete (S3's maximum is 1,000) */
	private readonly pageSize: number;
	constructor(
		readonly s3: S3Settings,
		options: { client?: S3Client; pageSize?: number } = {}
	) {
		this.pageSize = options.pageSize ?? 1000;
		this.client =
			options.client ??
			new S3Client({
				endpoint: s3.endpoint,
				region: s3.region,
				forcePathStyle: s3.pathStyle,
				credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
				maxAttempts: s3.maxAttempts ?? 3,
				// Checksums only where S3 requires them: many S3-compatible stores reject the newer defaults.
				requestChecksumCalculation: 'WHEN_REQUIRED',
				responseChecksumValidation: 'WHEN_REQUIRED',
				requestHandler: { connectionTimeout: 5000, requestTimeout: 60_000 }
			});
	}

	private fullKey(key: string): string {
		return [this.s3.prefix, key].filter(Boolean).join('/');
	}

	private unavailable(e: unknown): never {
		const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
		if (status === undefined || status >= 500 || status === 403)
			throw new StorageUnavailableError(e);
		throw e;
	}

	async put(key: string, body: Readable, _size: number, contentType: string): Promise<void> {
		assertKey(key);
		const upload = new Upload({
			client: this.client,
			params: {
				Bucket: this.s3.bucket,
				Key: this.fullKey(key),
				Body: body,
				ContentType: contentType
			},
			partSize: 8 * MB,
			queueSize: 2,
			leavePartsOnError: false
		});
		try {
			await upload.done();
		} catch (e) {
			body.destroy();
			this.unavailable(e);
		}
	}

	async get(key: string, range?: { start: number; end: number }): Promise<StoredObject | null> {
		assertKey(key);
		const wanted =
			range && range.start <= range.end
				? `bytes=${range.start}-${range.end === Number.MAX_SAFE_INTEGER ? '' : range.end}`
				: undefined;
		let res: GetObjectCommandOutput;
		try {
			res = await this.client.send(
				new GetObjectCommand({ Bucket: this.s3.bucket, Key: this.fullKey(key), Range: wanted })
			);
		} catch (e) {
			const name = (e as { name?: string }).name;
			const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
			if (name === 'NoSuchKey' || status === 404) return null;
			// A range past the end: serve the whole object, as the local store does.
			if (status === 416 && range) return this.get(key);
			this.unavailable(e);
		}
		const body = res.Body as Readable;
		const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.ContentRange ?? '');
		if (m) return { body, size: Number(m[3]), range: { start: Number(m[1]), end: Number(m[2]) } };
		return { body, size: res.ContentLength ?? 0 };
	}

	async deletePrefix(prefix: string): Promise<void> {
		assertKey(prefix);
		try {
			const pages = paginateListObjectsV2(
				{ client: this.client, pageSize: this.pageSize },
				{ Bucket: this.s3.bucket, Prefix: `${this.fullKey(prefix)}/` }
			);
			for await (const page of pages) {
				const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => Boolean(k));
				if (!keys.length) continue;
				const res = await this.client.send(
					new DeleteObjectsCommand({
						Bucket: this.s3.bucket,
						Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true }
					})
				);
				if (res.Errors?.length)
					throw new Error(
						`storage could not delete ${res.Errors.length} objects: ${res.Errors[0]?.Code ?? 'error'}`
					);
			}
		} catch (e) {
			this.unavailable(e);
		}
	}
}
