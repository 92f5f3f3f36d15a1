import { describe, expect, it } from 'vitest';
import { flattenItems, parseManifest } from '../../src/lib/server/scorm/manifest.ts';
import { Sequencer, emptyState, type SeqState } from '../../src/lib/server/scorm/sequencing.ts';

function sequencer(manifest: string, states: Record<string, Partial<SeqState>> = {}) {
	const m = parseManifest(manifest);
	const items = flattenItems(m.items).map(({ item, parent }) => ({
		identifier: item.identifier,
		parentIdentifier: parent,
		kind: item.kind,
		isVisible: item.isVisible,
		title: item.title,
		launchable: item.launchUrl !== null,
		sequencing: item.sequencing,
		prerequisites: item.prerequisites
	}));
	return new Sequencer(
		m.version,
		items,
		m.sequencing,
		new Map(Object.entries(states).map(([k, v]) => [k, { ...emptyState(), ...v }]))
	);
}

const m2004 = (org: string, body: string) => `<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
<metadata><schema>ADL SCORM</schema><schemaversion>2004 3rd Edition</schemaversion></metadata>
<organizations default="o"><organization identifier="o"><title>T</title>${body}${org}</organization></organizations>
<resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="a.html"/></resources></manifest>`;
const item = (id: string, extra = '') =>
	`<item identifier="${id}" identifierref="r"><title>${id}</title>${extra}</item>`;
const flowOrg =
	'<imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>';

describe('SCORM 2004 simple sequencing', () => {
	it('defaults to choice without flow (IMS SS), and follows flow when the organisation asks', () => {
		const free = sequencer(m2004('', item('a') + item('b')));
		expect(free.availability('b')).toMatchObject({ enabled: true, choosable: true });
		expect(free.flow('a', 'next')).toBeNull();
		const flowing = sequencer(m2004(flowOrg, item('a') + item('b')));
		expect(flowing.flow('a', 'next')?.identifier).toBe('b');
		expect(flowing.flow('b', 'previous')?.identifier).toBe('a');
		expect(flowing.flow('b', 'next')).toBeNull();
	});

	it('honours choice="false" and forwardOnly on a cluster', () => {
		const s = sequencer(
			m2004(
				flowOrg,
				`<item identifier="c"><title>Cluster</title>${item('a')}${item('b')}<imsss:sequencing><imsss:controlMode choice="false" flow="true" forwardOnly="true"/></imsss:sequencing></item>`
			)
		);
		expect(s.availability('a')).toMatchObject({ enabled: true, choosable: false, listed: true });
		expect(s.flow('a', 'next')?.identifier).toBe('b');
		expect(s.flow('b', 'previous')).toBeNull();
	});

	it('applies disabled, hiddenFromChoice and skip pre-condition rules', () => {
		const rule = (action: string, condition: string) =>
			`<imsss:sequencing><imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions><imsss:ruleCondition operator="not" condition="${condition}"/></imsss:ruleConditions><imsss:ruleAction action="${action}"/></imsss:preConditionRule></imsss:sequencingRules></imsss:sequencing>`;
		const manifest = m2004(
			flowOrg,
			item('a') +
				item('b', rule('skip', 'attempted')) +
				item('c', rule('hiddenFromChoice', 'attempted')) +
				item('d', rule('disabled', 'satisfied'))
		);
		const s = sequencer(manifest);
		expect(s.availability('b')).toMatchObject({ enabled: true, skipped: true });
		expect(s.availability('c')).toMatchObject({ enabled: true, listed: false, choosable: false });
		expect(s.availability('d')).toMatchObject({ enabled: false, choosable: false });
		// flow from a passes over b (skipped) to c (hidden from choice, still reachable by flow)
		expect(s.flow('a', 'next')?.identifier).toBe('c');
		// d stays locked until it is itself satisfied; flow stops at a disabled item
		expect(s.flow('c', 'next')).toBeNull();
		expect(sequencer(manifest, { d: { success: 'passed' } }).availability('d').enabled).toBe(true);
	});

	it('reads global objectives written by another SCO (satisfaction through imsss:mapInfo)', () => {
		const writer = `<imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="p"><imsss:mapInfo targetObjectiveID="g" writeSatisfiedStatus="true"/></imsss:primaryObjective></imsss:objectives></imsss:sequencing>`;
		const reader = `<imsss:sequencing><imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions><imsss:ruleCondition referencedObjective="prev" operator="not" condition="satisfied"/></imsss:ruleConditions><imsss:ruleAction action="disabled"/></imsss:preConditionRule></imsss:sequencingRules><imsss:objectives><imsss:primaryObjective objectiveID="own"/><imsss:objective objectiveID="prev"><imsss:mapInfo targetObjectiveID="g" readSatisfiedStatus="true"/></imsss:objective></imsss:objectives></imsss:sequencing>`;
		const manifest = m2004(flowOrg, item('pre', writer) + item('post', reader));
		expect(sequencer(manifest).availability('post').enabled).toBe(false);
		expect(sequencer(manifest, { pre: { success: 'failed' } }).availability('post').enabled).toBe(
			false
		);
		expect(sequencer(manifest, { pre: { success: 'passed' } }).availability('post').enabled).toBe(
			true
		);
	});
});

describe('SCORM 1.2 prerequisites', () => {
	it('locks an item until its prerequisites are met; unreadable expressions do not lock', () => {
		const manifest = `<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
<organizations default="o"><organization identifier="o"><title>T</title>
<item identifier="a" identifierref="r"><title>A</title></item>
<item identifier="b" identifierref="r"><title>B</title><adlcp:prerequisites type="aicc_script">a</adlcp:prerequisites></item>
<item identifier="c" identifierref="r"><title>C</title><adlcp:prerequisites type="aicc_script">a &amp;&amp; ??</adlcp:prerequisites></item>
</organization></organizations>
<resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="a.html"/></resources></manifest>`;
		expect(sequencer(manifest).availability('b')).toMatchObject({
			enabled: false,
			reason: 'Finish the earlier parts first.'
		});
		expect(sequencer(manifest, { a: { completion: 'completed' } }).availability('b').enabled).toBe(
			true
		);
		expect(sequencer(manifest).availability('c').enabled).toBe(true);
		// SCORM 1.2 has no control modes: choice and flow are always allowed
		expect(
			sequencer(manifest, { a: { completion: 'completed' } }).flow('a', 'next')?.identifier
		).toBe('b');
	});
});
