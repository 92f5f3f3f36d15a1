import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
	flattenItems,
	ManifestError,
	parseManifest,
	resolveLaunch,
	type ParsedManifest
} from '../../src/lib/server/scorm/manifest.ts';
import { inspectZip } from '../../src/lib/server/scorm/zip.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/scorm');

async function manifestOf(zip: string): Promise<ParsedManifest> {
	const inspected = await inspectZip(path.join(FIXTURES, zip));
	try {
		const parsed = parseManifest(inspected.manifestText);
		// every launch file named by the manifest is in the zip
		const files = new Set(inspected.files.map((f) => f.path));
		for (const { item } of flattenItems(parsed.items))
			if (item.launchFile) expect(files.has(item.launchFile), item.launchFile).toBe(true);
		return parsed;
	} finally {
		inspected.close();
	}
}

const leaves = (m: ParsedManifest) =>
	flattenItems(m.items).filter((f) => f.item.kind !== 'aggregation');

describe('manifest parsing over the six sample packages', () => {
	it('RuntimeBasicCalls SCORM 1.2: one SCO, lower-case scormtype', async () => {
		const m = await manifestOf('RuntimeBasicCalls_SCORM12.zip');
		expect(m.version).toBe('1.2');
		expect(m.schemaVersion).toBe('1.2');
		expect(m.identifier).toBe('com.scorm.golfsamples.runtime.basicruntime.12');
		expect(m.title).toBe('Golf Explained - Run-time Basic Calls');
		expect(m.items).toHaveLength(1);
		expect(m.items[0]).toMatchObject({
			identifier: 'item_1',
			title: 'Golf Explained',
			kind: 'sco',
			launchUrl: 'shared/launchpage.html',
			masteryScore: null
		});
		expect(m.warnings).toEqual([]);
	});

	it('RuntimeMinimumCalls SCORM 1.2: 4 headings, 18 SCOs with parameters, in order', async () => {
		const m = await manifestOf('RuntimeMinimumCalls_SCORM12.zip');
		expect(m.version).toBe('1.2');
		expect(m.items.map((i) => i.identifier)).toEqual([
			'playing_item',
			'etiquette_item',
			'handicapping_item',
			'havingfun_item'
		]);
		expect(m.items.every((i) => i.kind === 'aggregation' && i.launchUrl === null)).toBe(true);
		const l = leaves(m);
		expect(l).toHaveLength(18);
		expect(l.every((f) => f.item.kind === 'sco' && f.depth === 1)).toBe(true);
		expect(l[0]!.item).toMatchObject({
			identifier: 'playing_playing_item',
			launchUrl: 'Playing/Playing.html'
		});
		const quiz = l.find((f) => f.item.identifier === 'playing_quiz_item')!;
		expect(quiz.item.parameters).toBe('?questions=Playing');
		expect(quiz.item.launchUrl).toBe('shared/assessmenttemplate.html?questions=Playing');
		expect(quiz.parent).toBe('playing_item');
	});

	it('RuntimeBasicCalls SCORM 2004 3rd Edition: camel-case scormType, control mode, delivery controls', async () => {
		const m = await manifestOf('RuntimeBasicCalls_SCORM20043rdEdition.zip');
		expect(m.version).toBe('2004-3');
		expect(m.schemaVersion).toBe('2004 3rd Edition');
		expect(m.sequencing?.controlMode).toEqual({
			choice: true,
			choiceExit: true,
			flow: true,
			forwardOnly: false
		});
		expect(m.items[0]).toMatchObject({
			kind: 'sco',
			launchUrl: 'shared/launchpage.html',
			completionThreshold: null,
			scaledPassingScore: null
		});
		expect(m.items[0]!.sequencing?.preConditionRules).toEqual([]);
	});

	it('SequencingPostTestRollup 4th Edition: 5 SCOs sharing a page by query, sequencing collection, disabled rules', async () => {
		const m = await manifestOf('SequencingPostTestRollup4thEd_SCORM20044thEdition.zip');
		expect(m.version).toBe('2004-4');
		const l = leaves(m).map((f) => f.item);
		expect(l.map((i) => i.launchUrl)).toEqual([
			'shared/launchpage.html?content=playing',
			'shared/launchpage.html?content=etiquette',
			'shared/launchpage.html?content=handicapping',
			'shared/launchpage.html?content=havingfun',
			'shared/launchpage.html?content=assessment'
		]);
		expect(l.every((i) => i.launchFile === 'shared/launchpage.html')).toBe(true);
		// completionThreshold with only progressWeight: no threshold (completedByMeasure is false)
		expect(l[0]).toMatchObject({ completionThreshold: null, progressWeight: 0.5 });
		const etiquette = l[1]!;
		expect(etiquette.sequencing?.preConditionRules).toEqual([
			{
				combination: 'any',
				action: 'disabled',
				conditions: [
					{
						condition: 'completed',
						operator: 'not',
						referencedObjective: 'previous_sco_completed',
						measureThreshold: null
					},
					{
						condition: 'activityProgressKnown',
						operator: 'not',
						referencedObjective: 'previous_sco_completed',
						measureThreshold: null
					}
				]
			}
		]);
		const previous = etiquette.sequencing!.objectives.find(
			(o) => o.id === 'previous_sco_completed'
		)!;
		expect(previous.maps).toEqual([
			{
				target: 'com.scorm.golfsamples.sequencing.forcedsequential.playing_completed',
				readSatisfied: false,
				writeSatisfied: false,
				readCompletion: true,
				writeCompletion: false
			}
		]);
		// the shared rules from the sequencing collection are merged in (rollup rules, noted as not acted on)
		expect(l[0]!.sequencing?.unsupported).toContain('rollupRules');
		expect(l[4]!.sequencing?.preConditionRules.map((r) => r.action)).toEqual([
			'hiddenFromChoice',
			'hiddenFromChoice'
		]);
		expect(m.sequencing?.controlMode).toMatchObject({ choice: true, flow: true });
	});

	it('ContentPackagingOneFilePerSCO 2004 3rd Edition: 18 assets under 4 headings, no sequencing', async () => {
		const m = await manifestOf('ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip');
		expect(m.version).toBe('2004-3');
		const l = leaves(m);
		expect(l).toHaveLength(18);
		expect(l.every((f) => f.item.kind === 'asset')).toBe(true);
		expect(m.sequencing).toBeNull();
	});

	it('ContentPackagingSingleSCO 2004 2nd Edition: "CAM 1.3" means 2nd Edition', async () => {
		const m = await manifestOf('ContentPackagingSingleSCO_SCORM20042ndEdition.zip');
		expect(m.version).toBe('2004-2');
		expect(m.schemaVersion).toBe('CAM 1.3');
		expect(leaves(m).map((f) => f.item.launchUrl)).toEqual(['shared/launchpage.html']);
	});
});

const manifest2004 = (
	body: string,
	resources: string,
	root = ''
) => `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss" xmlns:x="http://www.imsglobal.org/xsd/imscp_v1p1" ${root}>
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 3rd Edition</schemaversion></metadata>
  <organizations default="o2"><organization identifier="o1"><title>Not this one</title><item identifier="n" identifierref="r1"><title>n</title></item></organization>
  <organization identifier="o2"><title>The &amp; default</title>${body}</organization></organizations>
  <resources xml:base="content/">${resources}</resources>
</manifest>`;

describe('manifest details', () => {
	it('joins xml:base at manifest, resources and resource level, and merges parameters', () => {
		const m = parseManifest(
			manifest2004(
				`<item identifier="a" identifierref="r1" parameters="?tc=API&amp;act=1"><title>A</title></item>
				 <item identifier="b" identifierref="r2" parameters="act=2"><title>B</title></item>
				 <item identifier="c" identifierref="r2" parameters="#frag"><title>C</title></item>`,
				`<resource identifier="r1" type="webcontent" adlcp:scormType="sco" xml:base="api/" href="start.html"/>
				 <resource identifier="r2" type="webcontent" adlcp:scormType="sco" href="page.html?lang=en"/>`,
				'xml:base="pkg/"'
			)
		);
		expect(m.title).toBe('The & default');
		expect(m.organizationIdentifier).toBe('o2');
		expect(m.items.map((i) => i.launchUrl)).toEqual([
			'pkg/content/api/start.html?tc=API&act=1',
			'pkg/content/page.html?lang=en&act=2',
			'pkg/content/page.html?lang=en#frag'
		]);
		expect(m.items[0]!.launchFile).toBe('pkg/content/api/start.html');
	});

	it('reads mastery score (1.2), completion threshold and scaled passing score (2004)', () => {
		const twelve = parseManifest(`<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>T</title>
   <item identifier="i" identifierref="r"><title>I</title><adlcp:masteryscore>80</adlcp:masteryscore><adlcp:datafromlms>hello</adlcp:datafromlms>
   <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed><adlcp:timelimitaction>exit,message</adlcp:timelimitaction><adlcp:prerequisites type="aicc_script">x &amp; y</adlcp:prerequisites></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="a.html"/></resources></manifest>`);
		expect(twelve.items[0]).toMatchObject({
			masteryScore: 80,
			dataFromLms: 'hello',
			maxTimeAllowed: '00:30:00',
			timeLimitAction: 'exit,message',
			prerequisites: 'x & y'
		});

		const third = parseManifest(
			manifest2004(
				`<item identifier="a" identifierref="r1"><title>A</title><adlcp:completionThreshold>0.75</adlcp:completionThreshold>
				  <imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true"><imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives></imsss:sequencing></item>
				 <item identifier="b" identifierref="r1"><title>B</title><adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.9" progressWeight="2"/>
				  <imsss:sequencing><imsss:objectives><imsss:primaryObjective satisfiedByMeasure="true"/></imsss:objectives></imsss:sequencing></item>
				 <item identifier="c" identifierref="r1"><title>C</title><imsss:sequencing><imsss:objectives><imsss:primaryObjective><imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives></imsss:sequencing></item>`,
				`<resource identifier="r1" type="webcontent" adlcp:scormType="sco" href="a.html"/>`
			)
		);
		expect(third.items.map((i) => [i.completionThreshold, i.scaledPassingScore])).toEqual([
			[0.75, 0.6],
			[0.9, 1],
			[null, null]
		]);
	});

	it('matches elements by namespace, not prefix', () => {
		const m = parseManifest(
			manifest2004(
				`<x:item identifier="a" identifierref="r1"><x:title>Prefixed</x:title></x:item>`,
				`<resource identifier="r1" type="webcontent" adlcp:scormType="asset" href="a.html"/>`
			)
		);
		expect(m.items[0]).toMatchObject({ title: 'Prefixed', kind: 'asset' });
	});

	it('falls back to namespaces when schemaversion is missing', () => {
		const m = parseManifest(
			manifest2004(
				'<item identifier="a" identifierref="r1"><title>A</title></item>',
				'<resource identifier="r1" adlcp:scormType="sco" href="a.html"/>'
			).replace(/<metadata>.*<\/metadata>/, '')
		);
		expect(m.version).toBe('2004-3');
		expect(m.warnings[0]).toMatch(/schemaversion is missing/);
	});

	it('refuses DTDs, entities, broken XML, missing resources and launch paths outside the package', () => {
		const xxe = `<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><manifest identifier="m"><organizations/><resources/></manifest>`;
		expect(() => parseManifest(xxe)).toThrow(/DOCTYPE/);
		expect(() => parseManifest('<?xml version="1.0"?><!ENTITY a "b"><manifest/>')).toThrow(
			/entities/
		);
		expect(() => parseManifest('<manifest><organizations></manifest>')).toThrow(/not well-formed/);
		expect(() =>
			parseManifest(
				manifest2004('<item identifier="a" identifierref="nope"><title>A</title></item>', '')
			)
		).toThrow(/does not define/);
		expect(() =>
			parseManifest(
				manifest2004(
					'<item identifier="a" identifierref="r1"><title>A</title></item>',
					'<resource identifier="r1" href="../../etc/passwd"/>'
				)
			)
		).toThrow(ManifestError);
		expect(() =>
			parseManifest(
				manifest2004(
					'<item identifier="a" identifierref="r1"><title>A</title></item>',
					'<resource identifier="r1" href="https://evil.example/x.html"/>'
				)
			)
		).toThrow(/outside the package/);
	});

	it('resolves launch paths the CAM way', () => {
		expect(resolveLaunch('', 'a/./b/../c.html', null)).toEqual({
			url: 'a/c.html',
			file: 'a/c.html'
		});
		expect(resolveLaunch('', 'my%20page.html', '?x=1')).toEqual({
			url: 'my%20page.html?x=1',
			file: 'my page.html'
		});
		expect(resolveLaunch('', 'a.html?x=1', '?y=2')?.url).toBe('a.html?x=1&y=2');
		expect(resolveLaunch('', 'a.html', '&y=2')?.url).toBe('a.html?y=2');
		expect(resolveLaunch('', '/etc/passwd', null)).toBeNull();
		expect(resolveLaunch('', 'javascript:alert(1)', null)).toBeNull();
		expect(resolveLaunch('../', 'a.html', null)).toBeNull();
	});
});
