/** The people every end-to-end test can rely on; made once by global-setup before the server starts. */
export const PASSWORD = 'e2e passphrase for testing';

export const WORLD = {
	admin: { email: 'admin@e2e.example', name: 'Alex Admin', organisationKey: 'kirklees-council', isAdmin: true },
	policeManager: { email: 'police.manager@e2e.example', name: 'Pat Police-Manager', organisationKey: 'west-yorkshire-police', manages: ['west-yorkshire-police'] },
	councilManager: { email: 'council.manager@e2e.example', name: 'Chris Council-Manager', organisationKey: 'kirklees-council', manages: ['kirklees-council'] },
	councilOfficer: { email: 'council.officer@e2e.example', name: 'Cory Council-Officer', organisationKey: 'kirklees-council' },
	learner: { email: 'learner@e2e.example', name: 'Lee Learner', organisationKey: 'west-yorkshire-police' },
	volunteer: { email: 'volunteer@e2e.example', name: 'Val Volunteer', organisationKey: 'community-volunteers', audience: 'community' as const },
	throttled: { email: 'throttled@e2e.example', name: 'Theo Throttled', organisationKey: 'west-yorkshire-police' },
	forgetful: { email: 'forgetful@e2e.example', name: 'Fran Forgetful', organisationKey: 'wyfrs' },
	leaver: { email: 'leaver@e2e.example', name: 'Lou Leaver', organisationKey: 'west-yorkshire-police' },
	asbOfficer: { email: 'asb.officer@e2e.example', name: 'Ash Officer', organisationKey: 'kirklees-council' },
	crVolunteer: { email: 'cr.volunteer@e2e.example', name: 'Robin Volunteer', organisationKey: 'community-volunteers', audience: 'community' as const },
	abuseOfficer: { email: 'abuse.officer@e2e.example', name: 'Sam Officer', organisationKey: 'west-yorkshire-police' },
	keyboardUser: { email: 'keyboard@e2e.example', name: 'Kit Keyboard', organisationKey: 'community-volunteers', audience: 'community' as const },
	peeker: { email: 'peeker@e2e.example', name: 'Pip Peeker', organisationKey: 'wyfrs' },
	certLearner: { email: 'cert.learner@e2e.example', name: 'Casey Certified-Learner', organisationKey: 'west-yorkshire-police' },
	scormLearner12: { email: 'scorm.twelve@e2e.example', name: 'Sky Scorm-Twelve', organisationKey: 'west-yorkshire-police' },
	scormLearner2004: { email: 'scorm.twothousandfour@e2e.example', name: 'Sol Scorm-Twothousand', organisationKey: 'kirklees-council' },
	scormResumer: { email: 'scorm.resumer@e2e.example', name: 'Rae Resumer', organisationKey: 'west-yorkshire-police' },
	scormMulti: { email: 'scorm.multi@e2e.example', name: 'Max Multi', organisationKey: 'wyfrs' },
	scormTarget: { email: 'scorm.target@e2e.example', name: 'Tess Target', organisationKey: 'west-yorkshire-police' },
	scormApi: { email: 'scorm.api@e2e.example', name: 'Avi Api', organisationKey: 'west-yorkshire-police' },
	scormApiOther: { email: 'scorm.api.other@e2e.example', name: 'Ola Other', organisationKey: 'west-yorkshire-police' },
	scormBench: { email: 'scorm.bench@e2e.example', name: 'Ben Bench', organisationKey: 'west-yorkshire-police' },
	dewsburyPc1: { email: 'dewsbury.pc1@e2e.example', name: 'Dee Overdue', organisationKey: 'west-yorkshire-police', team: 'Dewsbury neighbourhood policing' },
	dewsburyPc2: { email: 'dewsbury.pc2@e2e.example', name: 'Dev Trained', organisationKey: 'west-yorkshire-police', team: 'Dewsbury neighbourhood policing' }
} as const;

export type WorldKey = keyof typeof WORLD;

export function worldIds(): Record<WorldKey, string> {
	const raw = process.env.E2E_WORLD_IDS;
	if (!raw) throw new Error('E2E_WORLD_IDS is not set: run the tests through Playwright so global-setup runs');
	return JSON.parse(raw) as Record<WorldKey, string>;
}
