import {
	PDFDict,
	PDFDocument,
	PDFHexString,
	PDFName,
	PDFNumber,
	PDFRawStream,
	PDFString,
	decodePDFRawStream
} from 'pdf-lib';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { extractText, getDocumentProxy } from 'unpdf';

/** Reading a certificate PDF the way an outsider would: its text, its properties, and its QR code. */

export async function pdfText(bytes: Uint8Array): Promise<string> {
	const pdf = await getDocumentProxy(new Uint8Array(bytes));
	const { text } = await extractText(pdf, { mergePages: true });
	return text;
}

export interface PdfProperties {
	title: string | undefined;
	language: string | undefined;
	info: Record<string, string>;
}

export async function pdfProperties(bytes: Uint8Array): Promise<PdfProperties> {
	const doc = await PDFDocument.load(bytes, { updateMetadata: false });
	const info: Record<string, string> = {};
	const dict = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
	for (const [key, value] of dict.entries()) {
		if (value instanceof PDFHexString || value instanceof PDFString)
			info[key.decodeText()] = value.decodeText();
	}
	const lang = doc.catalog.lookup(PDFName.of('Lang'));
	return {
		title: doc.getTitle(),
		language:
			lang instanceof PDFString || lang instanceof PDFHexString ? lang.decodeText() : undefined,
		info
	};
}

/**
 * Finds the embedded image (pdf-lib stores a PNG as raw RGB, Flate-compressed), turns it back into
 * a PNG with pngjs, and decodes the QR code in it with jsQR. Returns the QR's text and the PNG.
 */
export async function pdfQrCode(bytes: Uint8Array): Promise<{ text: string | null; png: Buffer }> {
	const doc = await PDFDocument.load(bytes, { updateMetadata: false });
	for (const [, object] of doc.context.enumerateIndirectObjects()) {
		if (!(object instanceof PDFRawStream)) continue;
		const dict = object.dict;
		if (
			dict.get(PDFName.of('Subtype')) !== PDFName.of('Image') ||
			dict.get(PDFName.of('ColorSpace')) !== PDFName.of('DeviceRGB')
		)
			continue;
		const width = (dict.get(PDFName.of('Width')) as PDFNumber).asNumber();
		const height = (dict.get(PDFName.of('Height')) as PDFNumber).asNumber();
		const rgb = decodePDFRawStream(object).decode();
		const png = new PNG({ width, height });
		for (let i = 0; i < width * height; i++) {
			png.data[i * 4] = rgb[i * 3]!;
			png.data[i * 4 + 1] = rgb[i * 3 + 1]!;
			png.data[i * 4 + 2] = rgb[i * 3 + 2]!;
			png.data[i * 4 + 3] = 255;
		}
		const file = PNG.sync.write(png);
		const read = PNG.sync.read(file);
		const qr = jsQR(new Uint8ClampedArray(read.data), read.width, read.height);
		return { text: qr?.data ?? null, png: file };
	}
	return { text: null, png: Buffer.alloc(0) };
}
