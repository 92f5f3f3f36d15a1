import { Transform, type Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { decodeXmlBytes } from './xml.ts';

/**
 * Reading an uploaded zip without trusting it. Everything is checked from the central directory
 * before a byte is extracted (entry count, declared sizes and compression ratio, names, file
 * types, where imsmanifest.xml is), and again while extracting (actual bytes, which yauzl also
 * checks against the declared sizes).
 */
export interface ZipLimits {
	maxEntries: number;
	maxTotalBytes: number;
	/** uncompressed ÷ compressed, for the whole archive and for any entry over 1 MB */
	maxRatio: number;
	maxManifestBytes: number;
	maxPathLength: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
	maxEntries: 10_000,
	maxTotalBytes: 1024 * 1024 * 1024,
	maxRatio: 100,
	maxManifestBytes: 5 * 1024 * 1024,
	maxPathLength: 1024
};

/** A package refused for a reason the uploader can act on; routes answer it with 400. */
export class PackageError extends Error {
	constructor(
		readonly code:
			| 'not-zip'
			| 'too-many-entries'
			| 'too-large'
			| 'zip-bomb'
			| 'unsafe-path'
			| 'symlink'
			| 'special-file'
			| 'encrypted'
			| 'duplicate'
			| 'no-manifest'
			| 'manifest-not-at-root'
			| 'manifest'
			| 'missing-file',
		message: string
	) {
		super(message);
		this.name = 'PackageError';
	}
}

export interface ZipFileEntry {
	path: string;
	size: number;
	compressedSize: number;
	entry: Entry;
}

export interface InspectedZip {
	zip: ZipFile;
	files: ZipFileEntry[];
	manifestText: string;
	totalBytes: number;
	close: () => void;
}

const MB = 1024 * 1024;
const shown = (name: string) =>
	JSON.stringify(name.length > 120 ? `${name.slice(0, 117)}...` : name);

/** Why an entry name is unsafe, or null. Names arrive with `\` already turned into `/`. */
export function unsafePathReason(name: string, raw: string = name): string | null {
	if ([...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
		return 'contains control characters';
	if (raw.startsWith('/') || raw.startsWith('\\')) return 'is an absolute path';
	if (/^[a-zA-Z]:/.test(raw)) return 'starts with a drive letter';
	if (raw.startsWith('//') || raw.startsWith('\\\\')) return 'is a network path';
	if (name.split('/').includes('..')) return 'goes up a folder with ".."';
	return null;
}

async function openZip(file: string): Promise<ZipFile> {
	try {
		return await yauzl.openPromise(file, {
			lazyEntries: true,
			autoClose: false,
			decodeStrings: false,
			validateEntrySizes: true
		});
	} catch {
		throw new PackageError(
			'not-zip',
			'The file is not a zip file, or it is damaged. Upload the SCORM package as a .zip file.'
		);
	}
}

/**
 * Opens and checks a zip, returning its files and the manifest's text. Throws PackageError. The
 * caller must `close()` the result once it has extracted what it needs.
 */
export async function inspectZip(
	file: string,
	limits: ZipLimits = DEFAULT_ZIP_LIMITS
): Promise<InspectedZip> {
	const zip = await openZip(file);
	const close = () => zip.close();
	try {
		if (zip.entryCount > limits.maxEntries)
			throw new PackageError(
				'too-many-entries',
				`The zip has ${zip.entryCount.toLocaleString('en-GB')} entries; the most we accept is ${limits.maxEntries.toLocaleString('en-GB')}.`
			);
		const files: ZipFileEntry[] = [];
		const seen = new Set<string>();
		let totalBytes = 0;
		let totalCompressed = 0;
		let count = 0;
		try {
			for await (const entry of zip.eachEntry()) {
				if (++count > limits.maxEntries)
					throw new PackageError(
						'too-many-entries',
						`The zip has more than ${limits.maxEntries.toLocaleString('en-GB')} entries.`
					);
				const rawName = Buffer.isBuffer(entry.fileName)
					? (entry.fileName as Buffer).toString('latin1')
					: String(entry.fileName);
				const name = yauzl.getFileNameLowLevel(
					entry.generalPurposeBitFlag,
					entry.fileNameRaw,
					entry.extraFields,
					false
				);
				const rawDecoded = yauzl.getFileNameLowLevel(
					entry.generalPurposeBitFlag,
					entry.fileNameRaw,
					entry.extraFields,
					true
				);
				const reason = unsafePathReason(name, rawDecoded || rawName);
				if (reason)
					throw new PackageError(
						'unsafe-path',
						`The zip contains a file whose name ${reason} (${shown(rawDecoded)}). A package may only contain files inside itself, so it was refused.`
					);
				if (name.length > limits.maxPathLength)
					throw new PackageError(
						'unsafe-path',
						`The zip contains a file name longer than ${limits.maxPathLength} characters.`
					);
				const unixType =
					entry.versionMadeBy >> 8 === 3 ? (entry.externalFileAttributes >>> 16) & 0o170000 : 0;
				if (unixType === 0o120000)
					throw new PackageError(
						'symlink',
						`The zip contains a symbolic link (${shown(name)}). Links could point outside the package, so it was refused.`
					);
				const isDir = name.endsWith('/');
				if (unixType !== 0 && unixType !== 0o100000 && unixType !== 0o040000)
					throw new PackageError(
						'special-file',
						`The zip contains something that is not an ordinary file or folder (${shown(name)}).`
					);
				if (isDir) continue;
				if (entry.isEncrypted())
					throw new PackageError(
						'encrypted',
						`The zip contains an encrypted file (${shown(name)}). Upload a package without a password.`
					);
				if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)
					throw new PackageError(
						'not-zip',
						`The zip uses a compression method we cannot read (${shown(name)}). Re-create it with ordinary ("deflate") compression.`
					);
				const normal = name
					.split('/')
					.filter((s) => s !== '' && s !== '.')
					.join('/');
				if (seen.has(normal))
					throw new PackageError(
						'duplicate',
						`The zip contains the file ${shown(normal)} more than once.`
					);
				seen.add(normal);
				totalBytes += entry.uncompressedSize;
				totalCompressed += entry.compressedSize;
				if (totalBytes > limits.maxTotalBytes)
					throw new PackageError(
						'too-large',
						`Unzipped, the package would be larger than ${Math.round(limits.maxTotalBytes / MB)} MB, which is the most we accept.`
					);
				if (
					entry.uncompressedSize > MB &&
					entry.uncompressedSize > limits.maxRatio * Math.max(entry.compressedSize, 1)
				)
					throw new PackageError(
						'zip-bomb',
						`The file ${shown(normal)} expands more than ${limits.maxRatio} times when unzipped, which is how "zip bombs" overwhelm servers, so the package was refused.`
					);
				files.push({
					path: normal,
					size: entry.uncompressedSize,
					compressedSize: entry.compressedSize,
					entry
				});
			}
		} catch (e) {
			if (e instanceof PackageError) throw e;
			throw new PackageError(
				'not-zip',
				`The zip file is damaged or uses features we cannot read (${e instanceof Error ? e.message : String(e)}).`
			);
		}
		if (totalBytes > 10 * MB && totalBytes > limits.maxRatio * Math.max(totalCompressed, 1))
			throw new PackageError(
				'zip-bomb',
				`The package expands more than ${limits.maxRatio} times when unzipped, which is how "zip bombs" overwhelm servers, so it was refused.`
			);
		const manifest =
			files.find((f) => f.path === 'imsmanifest.xml') ??
			files.find((f) => f.path.toLowerCase() === 'imsmanifest.xml');
		if (!manifest) {
			const nested = files.find((f) => f.path.toLowerCase().endsWith('/imsmanifest.xml'));
			if (nested) {
				const folder = nested.path.slice(0, -'imsmanifest.xml'.length);
				throw new PackageError(
					'manifest-not-at-root',
					`imsmanifest.xml must be at the top of the zip, but it is inside the folder "${folder}". Zip the contents of that folder, not the folder itself.`
				);
			}
			throw new PackageError(
				'no-manifest',
				'The zip has no imsmanifest.xml, so it is not a SCORM package. Export the course as a SCORM package from your authoring tool.'
			);
		}
		if (manifest.size > limits.maxManifestBytes)
			throw new PackageError(
				'too-large',
				`imsmanifest.xml is larger than ${Math.round(limits.maxManifestBytes / MB)} MB.`
			);
		const manifestBytes = await readEntry(zip, manifest, limits.maxManifestBytes);
		return { zip, files, manifestText: decodeXmlBytes(manifestBytes), totalBytes, close };
	} catch (e) {
		close();
		throw e;
	}
}

async function readEntry(zip: ZipFile, file: ZipFileEntry, max: number): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of await openEntry(zip, file, { max: Math.min(max, file.size) })) {
		size += (chunk as Buffer).length;
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks, size);
}

/**
 * A stream of one entry's bytes that fails if more come out than declared (yauzl checks too) or
 * than `max`, so a lying header cannot make us write more than we agreed to.
 */
export async function openEntry(
	zip: ZipFile,
	file: ZipFileEntry,
	{ max }: { max: number }
): Promise<Readable> {
	let stream: Readable;
	try {
		stream = await zip.openReadStreamPromise(file.entry);
	} catch (e) {
		throw new PackageError(
			'not-zip',
			`The file ${shown(file.path)} in the zip could not be read (${e instanceof Error ? e.message : String(e)}).`
		);
	}
	let seen = 0;
	const guard = new Transform({
		transform(chunk: Buffer, _enc, done) {
			seen += chunk.length;
			if (seen > max || seen > file.size)
				done(
					new PackageError(
						'zip-bomb',
						`The file ${shown(file.path)} holds more data than the zip says it does, so the package was refused.`
					)
				);
			else done(null, chunk);
		}
	});
	stream.on('error', (e: Error) =>
		guard.destroy(
			e instanceof PackageError
				? e
				: new PackageError(
						'zip-bomb',
						`The file ${shown(file.path)} could not be unzipped safely (${e.message}).`
					)
		)
	);
	return stream.pipe(guard);
}
