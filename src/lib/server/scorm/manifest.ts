import { attrOf, childOf, childrenOf, parseXml, XML_NS, XmlError, type XmlElement } from './xml.ts';

/** What imsmanifest.xml says, reduced to what the platform uses. Pure: no I/O. */
export const scormVersions = ['1.2', '2004-2', '2004-3', '2004-4'] as const;
export type ScormVersion = (typeof scormVersions)[number];

export const SCORM_VERSION_LABELS: Record<ScormVersion, string> = {
	'1.2': 'SCORM 1.2',
	'2004-2': 'SCORM 2004 2nd Edition',
	'2004-3': 'SCORM 2004 3rd Edition',
	'2004-4': 'SCORM 2004 4th Edition'
};

export const is2004 = (v: ScormVersion) => v !== '1.2';

export type ItemKind = 'sco' | 'asset' | 'aggregation';

export interface RuleCondition {
	condition: string;
	operator: 'noOp' | 'not';
	referencedObjective: string | null;
	measureThreshold: number | null;
}

export interface PreConditionRule {
	combination: 'all' | 'any';
	conditions: RuleCondition[];
	action: 'skip' | 'disabled' | 'hiddenFromChoice' | 'stopForwardTraversal';
}

export interface ObjectiveMap {
	target: string;
	readSatisfied: boolean;
	writeSatisfied: boolean;
	readCompletion: boolean;
	writeCompletion: boolean;
}

export interface ItemObjective {
	id: string;
	primary: boolean;
	satisfiedByMeasure: boolean;
	minNormalizedMeasure: number | null;
	maps: ObjectiveMap[];
}

export interface ControlMode {
	choice: boolean;
	choiceExit: boolean;
	flow: boolean;
	forwardOnly: boolean;
}

/** The parts of IMS Simple Sequencing the player honours; the rest is noted in `unsupported`. */
export interface ItemSequencing {
	controlMode: ControlMode | null;
	preConditionRules: PreConditionRule[];
	objectives: ItemObjective[];
	/** sequencing elements present but not acted on, e.g. "rollupRules", "postConditionRule" */
	unsupported: string[];
}

export interface ManifestItem {
	identifier: string;
	title: string;
	kind: ItemKind;
	isVisible: boolean;
	resourceIdentifier: string | null;
	/** path inside the package, with the item's parameters merged, e.g. `shared/launchpage.html?content=playing` */
	launchUrl: string | null;
	/** the file the launch URL points at (no query or fragment), for checking it exists */
	launchFile: string | null;
	parameters: string | null;
	/** 1.2 adlcp:masteryscore, 0–100 */
	masteryScore: number | null;
	/** 2004 adlcp:completionThreshold (3rd Ed text, or 4th Ed minProgressMeasure when completedByMeasure) */
	completionThreshold: number | null;
	progressWeight: number | null;
	/** 2004 primary objective minNormalizedMeasure when satisfiedByMeasure */
	scaledPassingScore: number | null;
	dataFromLms: string | null;
	maxTimeAllowed: string | null;
	timeLimitAction: string | null;
	/** 1.2 adlcp:prerequisites (AICC script) */
	prerequisites: string | null;
	sequencing: ItemSequencing | null;
	children: ManifestItem[];
}

export interface ParsedManifest {
	identifier: string;
	version: ScormVersion;
	schemaVersion: string | null;
	organizationIdentifier: string;
	title: string;
	/** the default organisation's sequencing (control mode of the root) */
	sequencing: ItemSequencing | null;
	items: ManifestItem[];
	warnings: string[];
}

export class ManifestError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ManifestError';
	}
}

const NS = {
	cp: [
		'http://www.imsproject.org/xsd/imscp_rootv1p1p2',
		'http://www.imsglobal.org/xsd/imscp_v1p1',
		''
	],
	adlcp: ['http://www.adlnet.org/xsd/adlcp_rootv1p2', 'http://www.adlnet.org/xsd/adlcp_v1p3'],
	imsss: ['http://www.imsglobal.org/xsd/imsss'],
	adlseq: ['http://www.adlnet.org/xsd/adlseq_v1p3']
} as const;

const SCHEMA_VERSIONS: Record<string, ScormVersion> = {
	'1.2': '1.2',
	'cam 1.3': '2004-2',
	'2004 2nd edition': '2004-2',
	'2004 3rd edition': '2004-3',
	'2004 4th edition': '2004-4'
};

/** Parses the manifest text; throws ManifestError (or XmlError) with a message for the uploader. */
export function parseManifest(text: string): ParsedManifest {
	let root: XmlElement;
	try {
		root = parseXml(text);
	} catch (e) {
		if (e instanceof XmlError) throw new ManifestError(e.message);
		throw e;
	}
	if (root.local !== 'manifest')
		throw new ManifestError('imsmanifest.xml does not start with a <manifest> element.');
	const warnings: string[] = [];
	const version = detectVersion(root, warnings);
	const orgs = childOf(root, 'organizations', NS.cp);
	const orgList = childrenOf(orgs, 'organization', NS.cp);
	if (!orgList.length)
		throw new ManifestError(
			'The manifest has no organisation (no <organization> element), so there is nothing to launch.'
		);
	const defaultId = attrOf(orgs, 'default');
	const org =
		(defaultId && orgList.find((o) => attrOf(o, 'identifier') === defaultId)) || orgList[0]!;
	if (defaultId && attrOf(org, 'identifier') !== defaultId)
		warnings.push(`The default organisation "${defaultId}" does not exist; the first one is used.`);

	const manifestBase = attrOf(root, 'base', [XML_NS]) ?? '';
	const resourcesEl = childOf(root, 'resources', NS.cp);
	const resourcesBase = attrOf(resourcesEl, 'base', [XML_NS]) ?? '';
	const resources = new Map<string, XmlElement>();
	for (const r of childrenOf(resourcesEl, 'resource', NS.cp)) {
		const id = attrOf(r, 'identifier');
		if (id) resources.set(id, r);
	}
	const collection = new Map<string, XmlElement>();
	for (const s of childrenOf(
		childOf(root, 'sequencingCollection', NS.imsss),
		'sequencing',
		NS.imsss
	)) {
		const id = attrOf(s, 'ID');
		if (id) collection.set(id, s);
	}

	const readItem = (el: XmlElement, path: string[]): ManifestItem => {
		const identifier = attrOf(el, 'identifier');
		if (!identifier) throw new ManifestError('An <item> in the manifest has no identifier.');
		if (path.includes(identifier))
			throw new ManifestError(`The item "${identifier}" appears inside itself.`);
		const title = childOf(el, 'title', NS.cp)?.text || identifier;
		const children = childrenOf(el, 'item', NS.cp).map((c) => readItem(c, [...path, identifier]));
		const ref = attrOf(el, 'identifierref') ?? null;
		const parameters = attrOf(el, 'parameters') ?? null;
		let kind: ItemKind = 'aggregation';
		let launchUrl: string | null = null;
		let launchFile: string | null = null;
		if (ref && !children.length) {
			const resource = resources.get(ref);
			if (!resource)
				throw new ManifestError(
					`The item "${identifier}" refers to a resource "${ref}" that the manifest does not define.`
				);
			const type = (
				attrOf(resource, 'scormtype', NS.adlcp) ??
				attrOfAnyNs(resource, 'scormtype') ??
				'asset'
			).toLowerCase();
			kind = type === 'sco' ? 'sco' : 'asset';
			const href = attrOf(resource, 'href');
			if (!href)
				throw new ManifestError(
					`The resource "${ref}" used by item "${identifier}" has no href, so it cannot be launched.`
				);
			const base = manifestBase + resourcesBase + (attrOf(resource, 'base', [XML_NS]) ?? '');
			const resolved = resolveLaunch(base, href, parameters);
			if (!resolved)
				throw new ManifestError(
					`The launch address of item "${identifier}" ("${base}${href}") points outside the package; only files inside the package can be launched.`
				);
			launchUrl = resolved.url;
			launchFile = resolved.file;
		} else if (ref && children.length) {
			warnings.push(
				`The item "${identifier}" has both child items and a resource; it is treated as a heading.`
			);
		}
		const adl = (local: string) => childOf(el, local, NS.adlcp)?.text || null;
		const threshold = childOf(el, 'completionThreshold', NS.adlcp);
		const sequencingEl = childOf(el, 'sequencing', NS.imsss);
		const sequencing = sequencingEl ? readSequencing(sequencingEl, collection, warnings) : null;
		const primary = sequencing?.objectives.find((o) => o.primary);
		const mastery = numberOr(adl('masteryscore'));
		return {
			identifier,
			title,
			kind,
			isVisible: (attrOf(el, 'isvisible') ?? 'true').trim().toLowerCase() !== 'false',
			resourceIdentifier: kind === 'aggregation' ? null : ref,
			launchUrl,
			launchFile,
			parameters,
			masteryScore: mastery !== null && mastery >= 0 && mastery <= 100 ? mastery : null,
			completionThreshold: completionThresholdOf(threshold),
			progressWeight: numberOr(attrOf(threshold, 'progressWeight') ?? null),
			scaledPassingScore: primary?.satisfiedByMeasure ? (primary.minNormalizedMeasure ?? 1) : null,
			dataFromLms: adl('datafromlms') ?? adl('dataFromLMS'),
			maxTimeAllowed: adl('maxtimeallowed') ?? adl('maxTimeAllowed'),
			timeLimitAction: adl('timelimitaction') ?? adl('timeLimitAction'),
			prerequisites: adl('prerequisites'),
			sequencing,
			children
		};
	};

	const items = childrenOf(org, 'item', NS.cp).map((i) => readItem(i, []));
	const all = flattenItems(items);
	const ids = new Set<string>();
	for (const { item } of all) {
		if (ids.has(item.identifier))
			throw new ManifestError(`Two items share the identifier "${item.identifier}".`);
		ids.add(item.identifier);
	}
	if (!all.some(({ item }) => item.launchUrl))
		throw new ManifestError('The default organisation has no item that can be launched.');
	const orgSeqEl = childOf(org, 'sequencing', NS.imsss);
	return {
		identifier: attrOf(root, 'identifier') ?? '',
		version,
		schemaVersion: childOf(childOf(root, 'metadata', NS.cp), 'schemaversion', NS.cp)?.text ?? null,
		organizationIdentifier: attrOf(org, 'identifier') ?? '',
		title: childOf(org, 'title', NS.cp)?.text || attrOf(org, 'identifier') || 'Untitled package',
		sequencing: orgSeqEl ? readSequencing(orgSeqEl, collection, warnings) : null,
		items,
		warnings
	};
}

function attrOfAnyNs(el: XmlElement, local: string): string | undefined {
	return el.attributes.find((a) => a.local.toLowerCase() === local)?.value;
}

function detectVersion(root: XmlElement, warnings: string[]): ScormVersion {
	const schemaVersion = childOf(
		childOf(root, 'metadata', NS.cp),
		'schemaversion',
		NS.cp
	)?.text?.trim();
	const known = schemaVersion ? SCHEMA_VERSIONS[schemaVersion.toLowerCase()] : undefined;
	if (known) return known;
	const namespaces = new Set<string>();
	const walk = (el: XmlElement) => {
		namespaces.add(el.ns);
		for (const a of el.attributes) namespaces.add(a.ns);
		el.children.forEach(walk);
	};
	walk(root);
	if (namespaces.has(NS.adlcp[1]) || namespaces.has(NS.imsss[0])) {
		warnings.push(
			`The manifest's schemaversion ${schemaVersion ? `"${schemaVersion}" is not one we know` : 'is missing'}; it uses SCORM 2004 namespaces, so it is treated as SCORM 2004 3rd Edition.`
		);
		return '2004-3';
	}
	warnings.push(
		`The manifest's schemaversion ${schemaVersion ? `"${schemaVersion}" is not one we know` : 'is missing'}; it is treated as SCORM 1.2.`
	);
	return '1.2';
}

function numberOr(text: string | null): number | null {
	if (text === null || text.trim() === '') return null;
	const n = Number(text.trim());
	return Number.isFinite(n) ? n : null;
}

const bool = (value: string | undefined, fallback: boolean) =>
	value === undefined ? fallback : value.trim().toLowerCase() === 'true';

/** 3rd Edition: the element's text. 4th Edition: minProgressMeasure when completedByMeasure="true". */
function completionThresholdOf(el: XmlElement | undefined): number | null {
	if (!el) return null;
	const text = numberOr(el.text || null);
	if (text !== null) return text >= 0 && text <= 1 ? text : null;
	if (bool(attrOf(el, 'completedByMeasure'), false)) {
		const min = numberOr(attrOf(el, 'minProgressMeasure') ?? null) ?? 1;
		return min >= 0 && min <= 1 ? min : null;
	}
	return null;
}

function readSequencing(
	el: XmlElement,
	collection: Map<string, XmlElement>,
	warnings: string[]
): ItemSequencing {
	// A sequencing element may reference a shared one in <imsss:sequencingCollection>: its own
	// children take precedence over the shared ones (SCORM 2004 CAM 5.1.1).
	const idRef = attrOf(el, 'IDRef');
	const shared = idRef ? collection.get(idRef) : undefined;
	if (idRef && !shared)
		warnings.push(
			`A sequencing element refers to "${idRef}", which the sequencing collection does not define.`
		);
	const pick = (local: string, ns: readonly string[] = NS.imsss) =>
		childOf(el, local, ns) ?? childOf(shared, local, ns);
	const cm = pick('controlMode');
	const controlMode: ControlMode | null = cm
		? {
				choice: bool(attrOf(cm, 'choice'), true),
				choiceExit: bool(attrOf(cm, 'choiceExit'), true),
				flow: bool(attrOf(cm, 'flow'), false),
				forwardOnly: bool(attrOf(cm, 'forwardOnly'), false)
			}
		: null;
	const rulesEl = pick('sequencingRules');
	const preConditionRules: PreConditionRule[] = childrenOf(
		rulesEl,
		'preConditionRule',
		NS.imsss
	).map((rule) => {
		const conditionsEl = childOf(rule, 'ruleConditions', NS.imsss);
		return {
			combination: attrOf(conditionsEl, 'conditionCombination') === 'any' ? 'any' : 'all',
			conditions: childrenOf(conditionsEl, 'ruleCondition', NS.imsss).map((c) => ({
				condition: attrOf(c, 'condition') ?? 'always',
				operator: attrOf(c, 'operator') === 'not' ? 'not' : 'noOp',
				referencedObjective: attrOf(c, 'referencedObjective') ?? null,
				measureThreshold: numberOr(attrOf(c, 'measureThreshold') ?? null)
			})),
			action: (attrOf(childOf(rule, 'ruleAction', NS.imsss), 'action') ??
				'disabled') as PreConditionRule['action']
		};
	});
	const objectives: ItemObjective[] = [];
	const objectivesEl = pick('objectives');
	for (const o of objectivesEl?.children ?? []) {
		if (
			!NS.imsss.includes(o.ns as (typeof NS.imsss)[number]) ||
			(o.local !== 'primaryObjective' && o.local !== 'objective')
		)
			continue;
		const mapInfo = childrenOf(o, 'mapInfo', NS.imsss).map((m) => ({
			target: attrOf(m, 'targetObjectiveID') ?? '',
			readSatisfied: bool(attrOf(m, 'readSatisfiedStatus'), true),
			writeSatisfied: bool(attrOf(m, 'writeSatisfiedStatus'), false),
			readCompletion: false,
			writeCompletion: false
		}));
		objectives.push({
			id: attrOf(o, 'objectiveID') ?? (o.local === 'primaryObjective' ? '' : ''),
			primary: o.local === 'primaryObjective',
			satisfiedByMeasure: bool(attrOf(o, 'satisfiedByMeasure'), false),
			minNormalizedMeasure: numberOr(childOf(o, 'minNormalizedMeasure', NS.imsss)?.text ?? null),
			maps: mapInfo.filter((m) => m.target)
		});
	}
	// 4th Edition: completion status on global objectives comes through adlseq:objectives.
	for (const o of childrenOf(
		childOf(el, 'objectives', NS.adlseq) ?? childOf(shared, 'objectives', NS.adlseq),
		'objective',
		NS.adlseq
	)) {
		const id = attrOf(o, 'objectiveID') ?? '';
		let objective = objectives.find((x) => x.id === id);
		if (!objective) {
			objective = {
				id,
				primary: false,
				satisfiedByMeasure: false,
				minNormalizedMeasure: null,
				maps: []
			};
			objectives.push(objective);
		}
		for (const m of childrenOf(o, 'mapInfo', NS.adlseq)) {
			const target = attrOf(m, 'targetObjectiveID');
			if (!target) continue;
			objective.maps.push({
				target,
				readSatisfied: false,
				writeSatisfied: false,
				readCompletion: bool(attrOf(m, 'readCompletionStatus'), true),
				writeCompletion: bool(attrOf(m, 'writeCompletionStatus'), false)
			});
		}
	}
	const unsupported: string[] = [];
	for (const rule of ['postConditionRule', 'exitConditionRule'] as const)
		if (childrenOf(rulesEl, rule, NS.imsss).length) unsupported.push(rule);
	for (const local of [
		'limitConditions',
		'rollupRules',
		'randomizationControls',
		'auxiliaryResources'
	] as const)
		if (pick(local)) unsupported.push(local);
	if (pick('constrainedChoiceConsiderations', NS.adlseq))
		unsupported.push('constrainedChoiceConsiderations');
	return { controlMode, preConditionRules, objectives, unsupported };
}

/**
 * Resolves a resource's launch address inside the package: `xml:base` of the manifest, the
 * resources and the resource, then `href`, then the item's `parameters` merged as in SCORM 2004
 * CAM 3.4.1.x (a leading `?` becomes `&` when the href already has a query; `#` fragments are kept
 * once). Returns null when the address would leave the package (absolute URL, `..` above the root).
 */
export function resolveLaunch(
	base: string,
	href: string,
	parameters: string | null
): { url: string; file: string } | null {
	const external = (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s.trim()) || /^[\\/]/.test(s.trim());
	// An absolute href ignores any xml:base, so it is checked on its own too.
	if (external(href) || external(base)) return null;
	const joined = `${base}${href}`.trim().replace(/\\/g, '/');
	const hashAt = joined.indexOf('#');
	const withoutHash = hashAt === -1 ? joined : joined.slice(0, hashAt);
	let fragment = hashAt === -1 ? '' : joined.slice(hashAt);
	const queryAt = withoutHash.indexOf('?');
	const pathPart = queryAt === -1 ? withoutHash : withoutHash.slice(0, queryAt);
	let query = queryAt === -1 ? '' : withoutHash.slice(queryAt);
	const segments: string[] = [];
	for (const seg of pathPart.split('/')) {
		if (seg === '' || seg === '.') continue;
		if (seg === '..') {
			if (!segments.length) return null;
			segments.pop();
		} else segments.push(seg);
	}
	if (!segments.length) return null;
	const p = (parameters ?? '').trim();
	if (p.startsWith('#')) {
		if (!fragment) fragment = p;
	} else if (p) {
		const body = p.replace(/^[?&]/, '');
		if (body) query = query ? `${query}&${body}` : `?${body}`;
	}
	const path = segments.join('/');
	let file: string;
	try {
		file = decodeURIComponent(path);
	} catch {
		file = path;
	}
	return { url: `${path}${query}${fragment}`, file };
}

export interface FlatItem {
	item: ManifestItem;
	parent: string | null;
	depth: number;
	position: number;
}

/** Items in document order (the order a learner meets them), with their parent and depth. */
export function flattenItems(items: ManifestItem[]): FlatItem[] {
	const out: FlatItem[] = [];
	const walk = (list: ManifestItem[], parent: string | null, depth: number) => {
		for (const item of list) {
			out.push({ item, parent, depth, position: out.length });
			walk(item.children, item.identifier, depth + 1);
		}
	};
	walk(items, null, 0);
	return out;
}
