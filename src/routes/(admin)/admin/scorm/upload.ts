import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { error } from '@sveltejs/kit';
import type { UploadedFile } from '$lib/server/scorm/packages';
import { importDeps } from '$lib/server/scorm/deps';

/** A package upload: its text fields, and the file already written to a temporary file. */
export interface UploadForm {
	fields: FormData;
	file: UploadedFile;
	dir: string;
}

class TooLarge extends Error {}

/**
 * Reads a package upload form as a stream (busboy): the file goes straight to a temporary file,
 * so a 200 MB package never sits in memory. A body over the upload limit is refused, before
 * parsing when it says its length and while streaming when it does not.
 */
export async function readUploadForm(request: Request): Promise<UploadForm> {
	const limit = importDeps().maxUploadBytes;
	const tooLarge = () =>
		error(
			413,
			`The package is larger than ${Math.round(limit / (1024 * 1024))} MB, the most we accept.`
		);
	const length = Number(request.headers.get('content-length') ?? 0);
	if (length > limit + 64 * 1024) tooLarge();
	const type = request.headers.get('content-type') ?? '';
	if (!request.body || !type.toLowerCase().startsWith('multipart/form-data'))
		error(400, 'We could not read the upload. Please try again.');
	const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'scorm-upload-'));
	const temp = path.join(dir, `${randomUUID()}.zip`);
	const fields = new FormData();
	const file: UploadedFile = { path: temp, name: '', size: 0 };
	try {
		const parser = busboy({
			headers: { 'content-type': type },
			limits: { files: 1, fields: 50, fieldSize: 64 * 1024, fileSize: limit + 1 }
		});
		const written: Promise<void>[] = [];
		const parsed = new Promise<void>((resolve, reject) => {
			parser.on('close', resolve);
			parser.on('error', reject);
		});
		parsed.catch(() => {});
		parser.on('field', (name, value) => fields.append(name, value));
		parser.on('file', (name, stream, info) => {
			if (name !== 'file') {
				stream.resume();
				return;
			}
			file.name = info.filename ?? '';
			const count = new Transform({
				transform(chunk: Buffer, _enc, done) {
					file.size += chunk.length;
					if (file.size > limit) done(new TooLarge());
					else done(null, chunk);
				}
			});
			const w = pipeline(stream, count, fs.createWriteStream(temp));
			w.catch(() => {});
			written.push(w);
		});
		// The body is counted as it arrives (chunked bodies have no Content-Length). Past the limit,
		// reading stops without cancelling the stream, so the 413 still reaches the browser.
		const reader = request.body.getReader();
		let total = 0;
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			total += value.byteLength;
			if (total > limit + 64 * 1024) {
				reader.releaseLock();
				throw new TooLarge();
			}
			if (!parser.write(value)) await new Promise((resolve) => parser.once('drain', resolve));
		}
		parser.end();
		await parsed;
		await Promise.all(written);
		if (!written.length) await fsp.writeFile(temp, '');
		return { fields, file, dir };
	} catch (e) {
		await fsp.rm(dir, { recursive: true, force: true });
		if (e instanceof TooLarge) tooLarge();
		error(400, 'We could not read the upload. Please try again.');
	}
}

/** Runs the import on the uploaded file, and removes the temporary file afterwards. */
export async function withUploadedFile<T>(
	form: UploadForm,
	work: (file: UploadedFile) => Promise<T>
): Promise<T> {
	try {
		return await work(form.file);
	} finally {
		await fsp.rm(form.dir, { recursive: true, force: true });
	}
}
