import fs from 'node:fs';
import { createRequire } from 'node:module';
import { PDFDict, PDFDocument, PDFHexString, PDFName, rgb, type PDFFont, type RGB } from 'pdf-lib';
import fontkit from '@pdf-lib/fontkit';
import QRCode from 'qrcode';
import { formatDate } from '../../format.ts';

/** What the PDF shows and carries. Dates are shown in UK time. */
export interface CertificatePdfInput {
	code: string;
	learnerName: string;
	courseTitle: string;
	partnershipName: string;
	/** the partnership's full (legal) name, shown under its name */
	partnershipFullName: string;
	brandColour: string;
	completedAt: Date;
	issuedAt: Date;
	expiresAt: Date | null;
	/** the public page that checks this certificate; also the QR code's content */
	verifyUrl: string;
	keyId: string;
	signature: string;
	/** the canonical JSON the signature covers */
	signedPayload: string;
}

/** Names of the document-information entries that carry the signature. */
export const PDF_INFO_KEYS = {
	payload: 'SaferLearningCertificate',
	signature: 'SaferLearningSignature',
	keyId: 'SaferLearningKeyId'
} as const;

const A4_LANDSCAPE: [number, number] = [841.89, 595.28];
const MARGIN = 50;
const TEXT = rgb(0.043, 0.047, 0.047);
const MUTED = rgb(0.3, 0.33, 0.35);

function colour(hex: string): RGB {
	const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
	if (!m) return rgb(0.11, 0.37, 0.54);
	return rgb(parseInt(m[1]!, 16) / 255, parseInt(m[2]!, 16) / 255, parseInt(m[3]!, 16) / 255);
}

/**
 * DejaVu Sans (from the dejavu-fonts-ttf package; Bitstream Vera licence) covers Latin Extended,
 * Greek and Cyrillic, so names are drawn as written. Embedded as subsets: only the glyphs used.
 * Read once per process from node_modules, which the server needs beside it anyway.
 */
const FONT_FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;
let fontBytes: Record<keyof typeof FONT_FILES, Uint8Array> | undefined;
function fonts() {
	if (!fontBytes) {
		const require = createRequire(import.meta.url);
		const dir = require.resolve('dejavu-fonts-ttf/package.json').replace(/package\.json$/, 'ttf/');
		const read = (file: string) => new Uint8Array(fs.readFileSync(dir + file));
		fontBytes = { regular: read(FONT_FILES.regular), bold: read(FONT_FILES.bold) };
	}
	return fontBytes;
}

/**
 * fontkit parses a font file on every embed; the two files never change, so each is parsed once
 * per process and the parsed font reused (each document still makes its own subset).
 */
const parsed = new Map<Uint8Array, ReturnType<typeof fontkit.create>>();
const cachedFontkit: typeof fontkit = {
	create(data, postscriptName) {
		if (!(data instanceof Uint8Array) || postscriptName)
			return fontkit.create(data, postscriptName);
		let font = parsed.get(data);
		if (!font) parsed.set(data, (font = fontkit.create(data)));
		return font;
	}
};

/**
 * Text the font can draw: anything outside it (a script DejaVu lacks, such as Chinese) becomes
 * '?', so the PDF never fails to render. The exact name is in the signed metadata, the JSON
 * credential and on the verification page.
 */
const characterSets = new WeakMap<PDFFont, Set<number>>();
export function drawable(text: string, font: PDFFont): string {
	let supported = characterSets.get(font);
	if (!supported) characterSets.set(font, (supported = new Set(font.getCharacterSet())));
	let out = '';
	for (const ch of text.normalize('NFC')) {
		if (supported.has(ch.codePointAt(0)!)) out += ch;
		else out += /\s/.test(ch) ? ' ' : '?';
	}
	return out;
}

/** Splits text into lines no wider than `width`, shrinking the size first (down to `minSize`). */
function fit(
	text: string,
	font: PDFFont,
	size: number,
	minSize: number,
	width: number
): { lines: string[]; size: number } {
	let s = size;
	while (s > minSize && font.widthOfTextAtSize(text, s) > width) s -= 1;
	if (font.widthOfTextAtSize(text, s) <= width) return { lines: [text], size: s };
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(/\s+/)) {
		const candidate = line ? `${line} ${word}` : word;
		if (font.widthOfTextAtSize(candidate, s) <= width || !line) line = candidate;
		else {
			lines.push(line);
			line = word;
		}
	}
	if (line) lines.push(line);
	return { lines: lines.slice(0, 3), size: s };
}

export async function renderCertificatePdf(input: CertificatePdfInput): Promise<Uint8Array> {
	const [doc, qr] = await Promise.all([
		PDFDocument.create({ updateMetadata: false }),
		QRCode.toBuffer(input.verifyUrl, {
			type: 'png',
			errorCorrectionLevel: 'M',
			margin: 2,
			scale: 4
		})
	]);
	doc.registerFontkit(cachedFontkit);
	const bytes = fonts();
	const [regular, bold, qrImage] = await Promise.all([
		doc.embedFont(bytes.regular, { subset: true }),
		doc.embedFont(bytes.bold, { subset: true }),
		doc.embedPng(qr)
	]);

	const title = `Certificate: ${input.courseTitle}, ${input.learnerName}`;
	doc.setTitle(title, { showInWindowTitleBar: true });
	doc.setLanguage('en-GB');
	doc.setAuthor(input.partnershipName);
	doc.setSubject(`Certificate of completion ${input.code}. Check it at ${input.verifyUrl}`);
	doc.setKeywords(['certificate', input.code, input.courseTitle, `signed-by:${input.keyId}`]);
	doc.setCreator('Safer Learning');
	doc.setProducer('Safer Learning (pdf-lib)');
	doc.setCreationDate(input.issuedAt);
	doc.setModificationDate(input.issuedAt);
	const info = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
	info.set(PDFName.of(PDF_INFO_KEYS.payload), PDFHexString.fromText(input.signedPayload));
	info.set(PDFName.of(PDF_INFO_KEYS.signature), PDFHexString.fromText(input.signature));
	info.set(PDFName.of(PDF_INFO_KEYS.keyId), PDFHexString.fromText(input.keyId));

	const page = doc.addPage(A4_LANDSCAPE);
	const [W, H] = A4_LANDSCAPE;
	const brand = colour(input.brandColour);
	const inner = W - 2 * MARGIN;
	const centred = (text: string, font: PDFFont, size: number, y: number, color = TEXT) => {
		const t = drawable(text, font);
		page.drawText(t, { x: (W - font.widthOfTextAtSize(t, size)) / 2, y, size, font, color });
	};

	// Partnership band
	page.drawRectangle({ x: 0, y: H - 96, width: W, height: 96, color: brand });
	const name = fit(drawable(input.partnershipName, bold), bold, 26, 14, inner);
	page.drawText(name.lines[0]!, {
		x: MARGIN,
		y: H - 50,
		size: name.size,
		font: bold,
		color: rgb(1, 1, 1)
	});
	const full = fit(drawable(input.partnershipFullName, regular), regular, 11, 8, inner);
	page.drawText(full.lines[0]!, {
		x: MARGIN,
		y: H - 74,
		size: full.size,
		font: regular,
		color: rgb(1, 1, 1)
	});

	// What it certifies
	centred('Certificate of completion', bold, 30, 432);
	centred('This certifies that', regular, 14, 394);
	const learner = fit(drawable(input.learnerName, bold), bold, 32, 16, inner);
	let y = 352;
	for (const line of learner.lines) {
		centred(line, bold, learner.size, y);
		y -= learner.size + 4;
	}
	centred('has completed the course', regular, 14, y - 4);
	y -= 44;
	const course = fit(drawable(input.courseTitle, bold), bold, 24, 14, inner);
	for (const line of course.lines) {
		centred(line, bold, course.size, y, brand);
		y -= course.size + 4;
	}
	centred(`on ${formatDate(input.completedAt)}`, regular, 14, y - 10);
	if (input.expiresAt) centred(`Valid until ${formatDate(input.expiresAt)}`, bold, 14, y - 32);

	// How to check it
	const qrSize = 112;
	page.drawImage(qrImage, { x: W - MARGIN - qrSize, y: 46, width: qrSize, height: qrSize });
	const caption = 'Scan to check';
	page.drawText(caption, {
		x: W - MARGIN - qrSize / 2 - regular.widthOfTextAtSize(caption, 9) / 2,
		y: 34,
		size: 9,
		font: regular,
		color: MUTED
	});
	const textWidth = inner - qrSize - 24;
	page.drawText('Certificate code', { x: MARGIN, y: 140, size: 10, font: regular, color: MUTED });
	page.drawText(input.code, { x: MARGIN, y: 118, size: 20, font: bold, color: TEXT }); // Crockford base32 has no look-alike letters
	page.drawText('Anyone can check that this certificate is genuine and still valid at', {
		x: MARGIN,
		y: 94,
		size: 10,
		font: regular,
		color: TEXT
	});
	const url = fit(drawable(input.verifyUrl, bold), bold, 11, 7, textWidth);
	page.drawText(url.lines.join(''), { x: MARGIN, y: 78, size: url.size, font: bold, color: TEXT });
	const issued = `Issued on ${formatDate(input.issuedAt)} by ${input.partnershipName}. Signed with Ed25519 key ${input.keyId}; the signature is in this file's document properties.`;
	const small = fit(drawable(issued, regular), regular, 8, 8, textWidth);
	let sy = 58;
	for (const line of small.lines) {
		page.drawText(line, { x: MARGIN, y: sy, size: 8, font: regular, color: MUTED });
		sy -= 11;
	}
	page.drawRectangle({ x: 0, y: 0, width: W, height: 10, color: brand });

	return doc.save();
}
