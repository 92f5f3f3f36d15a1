import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { error } from '@sveltejs/kit';
import type { UploadedFile } from '$lib/server/scorm/packages';
import { importDeps } from '$lib/server/scorm/deps';

/** Reads a package upload form, refusing a body over the upload limit before parsing it. */
export async function readUploadForm(request: Request): Promise<FormData> {
	const length = Number(request.headers.get('content-length') ?? 0);
	const limit = importDeps().maxUploadBytes;
	if (length > limit + 64 * 1024) error(413, `The package is larger than ${Math.round(limit / (1024 * 1024))} MB, the most we accept.`);
	try {
		return await request.formData();
	} catch {
		error(400, 'We could not read the upload. Please try again.');
	}
}

/** Writes an uploaded package to a temporary file for the zip checks, and removes it afterwards. */
export async function withUploadedFile<T>(form: FormData, work: (file: UploadedFile) => Promise<T>): Promise<T> {
	const file = form.get('file');
	const upload = file instanceof File ? file : null;
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scorm-upload-'));
	const temp = path.join(dir, `${randomUUID()}.zip`);
	try {
		if (upload && upload.size > 0) await fs.writeFile(temp, Buffer.from(await upload.arrayBuffer()));
		return await work({ path: temp, name: upload?.name ?? '', size: upload?.size ?? 0 });
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
}
