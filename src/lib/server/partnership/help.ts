import { config } from '../config.ts';
import { readPartnershipFile, type PartnershipFile } from './seed-file.ts';

export type HelpContact = NonNullable<PartnershipFile['help']>;

let cached: HelpContact | null | undefined;

/** The partnership's help contact from content/partnership.yaml (read once; it changes with a restart). */
export function helpContact(contentDir = config.contentDir): HelpContact | null {
	if (cached === undefined) cached = readPartnershipFile(contentDir).help ?? null;
	return cached;
}
