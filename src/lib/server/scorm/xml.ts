import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A tiny namespace-aware element tree over fast-xml-parser, for reading imsmanifest.xml safely:
 * documents with a DOCTYPE or ENTITY declaration are refused before parsing, entity processing is
 * off (only the five predefined entities and numeric character references are decoded, by hand),
 * and nothing is ever fetched.
 */
export interface XmlElement {
	/** the qualified name as written, e.g. `adlcp:masteryscore` */
	name: string;
	/** the namespace URI, resolved from xmlns declarations in scope ('' when none) */
	ns: string;
	local: string;
	attributes: XmlAttribute[];
	children: XmlElement[];
	text: string;
}

export interface XmlAttribute {
	name: string;
	ns: string;
	local: string;
	value: string;
}

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export class XmlError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'XmlError';
	}
}

const parser = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: '',
	preserveOrder: true,
	processEntities: false,
	htmlEntities: false,
	ignoreDeclaration: true,
	ignorePiTags: true,
	parseTagValue: false,
	parseAttributeValue: false,
	trimValues: false,
	cdataPropName: false
});

/** Decodes the text of a manifest file: UTF-8 (BOM or not) or UTF-16 with a BOM. */
export function decodeXmlBytes(bytes: Uint8Array): string {
	if (bytes[0] === 0xff && bytes[1] === 0xfe)
		return new TextDecoder('utf-16le').decode(bytes.subarray(2));
	if (bytes[0] === 0xfe && bytes[1] === 0xff)
		return new TextDecoder('utf-16be').decode(bytes.subarray(2));
	return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

/** The five predefined entities and character references; anything else is left as written. */
export function decodeEntities(text: string): string {
	return text.replace(
		/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g,
		(whole, ref: string) => {
			switch (ref) {
				case 'amp':
					return '&';
				case 'lt':
					return '<';
				case 'gt':
					return '>';
				case 'quot':
					return '"';
				case 'apos':
					return "'";
			}
			const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
			return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
		}
	);
}

type RawNode = Record<string, unknown>;

/** Parses XML text into a namespace-resolved element tree; throws XmlError with a plain message. */
export function parseXml(text: string): XmlElement {
	if (/<!DOCTYPE/i.test(text))
		throw new XmlError(
			'The manifest contains a DOCTYPE declaration, which is not allowed (it could make the server read other files).'
		);
	if (/<!ENTITY/i.test(text))
		throw new XmlError('The manifest declares XML entities, which are not allowed.');
	const valid = XMLValidator.validate(text);
	if (valid !== true)
		throw new XmlError(
			`The manifest is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`
		);
	const raw = parser.parse(text) as RawNode[];
	const roots = raw
		.map((n) => toElement(n, new Map([['xml', XML_NS]])))
		.filter((e): e is XmlElement => e !== null);
	if (roots.length !== 1) throw new XmlError('The manifest must have exactly one root element.');
	return roots[0]!;
}

function toElement(node: RawNode, inherited: Map<string, string>): XmlElement | null {
	const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
	if (!name) return null;
	const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
	const scope = new Map(inherited);
	for (const [key, value] of Object.entries(rawAttrs)) {
		if (key === 'xmlns') scope.set('', decodeEntities(value));
		else if (key.startsWith('xmlns:')) scope.set(key.slice(6), decodeEntities(value));
	}
	const [prefix, local] = splitName(name);
	const attributes: XmlAttribute[] = [];
	for (const [key, value] of Object.entries(rawAttrs)) {
		if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
		const [p, l] = splitName(key);
		// Unprefixed attributes have no namespace (XML Namespaces 1.0, section 6.2).
		attributes.push({
			name: key,
			ns: p ? (scope.get(p) ?? '') : '',
			local: l,
			value: decodeEntities(String(value))
		});
	}
	const children: XmlElement[] = [];
	let text = '';
	for (const child of (node[name] ?? []) as RawNode[]) {
		if ('#text' in child) text += String(child['#text']);
		else {
			const el = toElement(child, scope);
			if (el) children.push(el);
		}
	}
	return {
		name,
		ns: scope.get(prefix) ?? '',
		local,
		attributes,
		children,
		text: decodeEntities(text).trim()
	};
}

function splitName(name: string): [string, string] {
	const i = name.indexOf(':');
	return i === -1 ? ['', name] : [name.slice(0, i), name.slice(i + 1)];
}

/** Children with this local name in one of the namespaces (any namespace when `ns` is empty). */
export function childrenOf(
	el: XmlElement | undefined,
	local: string,
	ns: readonly string[] = []
): XmlElement[] {
	if (!el) return [];
	return el.children.filter((c) => c.local === local && (ns.length === 0 || ns.includes(c.ns)));
}

export function childOf(
	el: XmlElement | undefined,
	local: string,
	ns: readonly string[] = []
): XmlElement | undefined {
	return childrenOf(el, local, ns)[0];
}

/**
 * An attribute by local name: in one of `ns` if given (matching the local name case-insensitively,
 * because SCORM 1.2 writes `adlcp:scormtype` and 2004 `adlcp:scormType`), else unqualified.
 */
export function attrOf(
	el: XmlElement | undefined,
	local: string,
	ns?: readonly string[]
): string | undefined {
	if (!el) return undefined;
	const want = local.toLowerCase();
	const found = el.attributes.find((a) =>
		ns ? ns.includes(a.ns) && a.local.toLowerCase() === want : a.ns === '' && a.local === local
	);
	return found?.value;
}
