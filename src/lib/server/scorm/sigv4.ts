import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for S3-compatible storage, written out so no SDK is needed. Follows
 * "Signature Calculations for the Authorization Header" (single chunk, header-based auth).
 */
export interface SignInput {
	method: string;
	url: URL;
	/** headers to sign besides host, x-amz-date and x-amz-content-sha256 */
	headers?: Record<string, string>;
	/** hex SHA-256 of the body, or 'UNSIGNED-PAYLOAD' */
	payloadHash: string;
	region: string;
	service?: string;
	accessKeyId: string;
	secretAccessKey: string;
	now?: Date;
}

export const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and `/` in paths). */
export function uriEncode(value: string, keepSlash = false): string {
	let out = '';
	for (const byte of Buffer.from(value, 'utf8')) {
		const c = String.fromCharCode(byte);
		if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
		else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
	}
	return out;
}

export function amzDate(now: Date): string {
	return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Returns the headers to send: the given ones plus x-amz-date, x-amz-content-sha256 and Authorization. */
export function signRequest(input: SignInput): Record<string, string> {
	const service = input.service ?? 's3';
	const date = amzDate(input.now ?? new Date());
	const day = date.slice(0, 8);
	const headers: Record<string, string> = {};
	for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v.trim().replace(/\s+/g, ' ');
	headers.host = input.url.host;
	headers['x-amz-date'] = date;
	headers['x-amz-content-sha256'] = input.payloadHash;
	const names = Object.keys(headers).sort();
	const canonicalHeaders = names.map((n) => `${n}:${headers[n]}\n`).join('');
	const signedHeaders = names.join(';');
	const query = [...input.url.searchParams.entries()]
		.map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
		.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
		.map(([k, v]) => `${k}=${v}`)
		.join('&');
	// S3 signs the path as sent (each segment encoded once); decode first so we never double-encode.
	const path = uriEncode(decodeURIComponent(input.url.pathname || '/'), true);
	const canonicalRequest = [input.method.toUpperCase(), path, query, canonicalHeaders, signedHeaders, input.payloadHash].join('\n');
	const scope = `${day}/${input.region}/${service}/aws4_request`;
	const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonicalRequest)].join('\n');
	const kDate = hmac(`AWS4${input.secretAccessKey}`, day);
	const kSigning = hmac(hmac(hmac(kDate, input.region), service), 'aws4_request');
	const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
	const out: Record<string, string> = {};
	for (const n of names) if (n !== 'host') out[n] = headers[n]!;
	out.authorization = `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`;
	return out;
}
