/** The people every end-to-end test can rely on; made once by global-setup before the server starts. */
export const PASSWORD = 'e2e passphrase for testing';

export const WORLD = {
	admin: {
		email: 'admin@e2e.example',
		name: 'Alex Admin',
		organisationKey: 'kirklees-council',
		isAdmin: true
	},
	policeManager: {
		email: 'police.manager@e2e.example',
		name: 'Pat Police-Manager',
		organisationKey: 'west-yorkshire-police',
		manages: ['west-yorkshire-police']
	},
	councilManager: {
		email: 'council.manager@e2e.example',
		name: 'Chris Council-Manager',
		organisationKey: 'kirklees-council',
		manages: ['kirklees-council']
	},
	councilOfficer: {
		email: 'council.officer@e2e.example',
		name: 'Cory Council-Officer',
		organisationKey: 'kirklees-council'
	},
	learner: {
		email: 'learner@e2e.example',
		name: 'Lee Learner',
		organisationKey: 'west-yorkshire-police'
	},
	volunteer: {
		email: 'volunteer@e2e.example',
		name: 'Val Volunteer',
		organisationKey: 'community-volunteers',
		audience: 'community' as const
	},
	throttled: {
		email: 'throttled@e2e.example',
		name: 'Theo Throttled',
		organisationKey: 'west-yorkshire-police'
	},
	forgetful: { email: 'forgetful@e2e.example', name: 'Fran Forgetful', organisationKey: 'wyfrs' },
	leaver: {
		email: 'leaver@e2e.example',
		name: 'Lou Leaver',
		organisationKey: 'west-yorkshire-police'
	},
	asbOfficer: {
		email: 'asb.officer@e2e.example',
		name: 'Ash Officer',
		organisationKey: 'kirklees-council'
	},
	crVolunteer: {
		email: 'cr.volunteer@e2e.example',
		name: 'Robin Volunteer',
		organisationKey: 'community-volunteers',
		audience: 'community' as const
	},
	abuseOfficer: {
		email: 'abuse.officer@e2e.example',
		name: 'Sam Officer',
		organisationKey: 'west-yorkshire-police'
	},
	keyboardUser: {
		email: 'keyboard@e2e.example',
		name: 'Kit Keyboard',
		organisationKey: 'community-volunteers',
		audience: 'community' as const
	},
	peeker: { email: 'peeker@e2e.example', name: 'Pip Peeker', organisationKey: 'wyfrs' },
	certLearner: {
		email: 'cert.learner@e2e.example',
		name: 'Casey Certified-Learner',
		organisationKey: 'west-yorkshire-police'
	},
	scormLearner12: {
		email: 'scorm.twelve@e2e.example',
		name: 'Sky Scorm-Twelve',
		organisationKey: 'west-yorkshire-police'
	},
	scormLearner2004: {
		email: 'scorm.twothousandfour@e2e.example',
		name: 'Sol Scorm-Twothousand',
		organisationKey: 'kirklees-council'
	},
	scormResumer: {
		email: 'scorm.resumer@e2e.example',
		name: 'Rae Resumer',
		organisationKey: 'west-yorkshire-police'
	},
	scormMulti: { email: 'scorm.multi@e2e.example', name: 'Max Multi', organisationKey: 'wyfrs' },
	scormTarget: {
		email: 'scorm.target@e2e.example',
		name: 'Tess Target',
		organisationKey: 'west-yorkshire-police'
	},
	scormApi: {
		email: 'scorm.api@e2e.example',
		name: 'Avi Api',
		organisationKey: 'west-yorkshire-police'
	},
	scormApiOther: {
		email: 'scorm.api.other@e2e.example',
		name: 'Ola Other',
		organisationKey: 'west-yorkshire-police'
	},
	scormPhone: {
		email: 'scorm.phone@e2e.example',
		name: 'Pat Phone',
		organisationKey: 'west-yorkshire-police'
	},
	scormNarrow: {
		email: 'scorm.narrow@e2e.example',
		name: 'Nia Narrow',
		organisationKey: 'kirklees-council'
	},
	scormSlowLine: {
		email: 'scorm.slowline@e2e.example',
		name: 'Sid Slowline',
		organisationKey: 'kirklees-council'
	},
	scormFullScreen: {
		email: 'scorm.fullscreen@e2e.example',
		name: 'Fen Fullscreen',
		organisationKey: 'wyfrs'
	},
	scormBench: {
		email: 'scorm.bench@e2e.example',
		name: 'Ben Bench',
		organisationKey: 'west-yorkshire-police'
	},
	assessmentResumer: {
		email: 'assessment.resumer@e2e.example',
		name: 'Ari Resumer',
		organisationKey: 'kirklees-council',
		lessonsDone: ['community-resolution']
	},
	assessmentMindChanger: {
		email: 'assessment.mind.changer@e2e.example',
		name: 'Mo Changer',
		organisationKey: 'kirklees-council',
		lessonsDone: ['community-resolution']
	},
	assessmentNoScript: {
		email: 'assessment.noscript@e2e.example',
		name: 'Noor No-Script',
		organisationKey: 'community-volunteers',
		audience: 'community' as const,
		lessonsDone: ['community-resolution']
	},
	shotLearner: {
		email: 'shot.learner@e2e.example',
		name: 'Jo Phone',
		organisationKey: 'west-yorkshire-police',
		team: 'Huddersfield neighbourhood policing'
	},
	routeWalker: {
		email: 'route.walker@e2e.example',
		name: 'Rou Walker',
		organisationKey: 'west-yorkshire-police'
	},
	dewsburyPc1: {
		email: 'dewsbury.pc1@e2e.example',
		name: 'Dee Overdue',
		organisationKey: 'west-yorkshire-police',
		team: 'Dewsbury neighbourhood policing'
	},
	dewsburyPc2: {
		email: 'dewsbury.pc2@e2e.example',
		name: 'Dev Trained',
		organisationKey: 'west-yorkshire-police',
		team: 'Dewsbury neighbourhood policing'
	},
	dataSubject: {
		email: 'data.subject@e2e.example',
		name: 'Dana Subject',
		organisationKey: 'probation-service'
	},
	erasureSubject: {
		email: 'erasure.subject@e2e.example',
		name: 'Eli Erasure',
		organisationKey: 'probation-service'
	},
	nhsInvited: {
		email: 'ira.invited@nhs.sso.test',
		name: 'Ira Invited',
		organisationKey: 'nhs-wy-icb-kirklees'
	},
	probationOfficer: {
		email: 'pat.probation@probation.sso.test',
		name: 'Pat Probation',
		organisationKey: 'probation-service'
	},
	eventFirst: {
		email: 'event.first@e2e.example',
		name: 'Fay First-Booker',
		organisationKey: 'west-yorkshire-police'
	},
	eventWaiter: {
		email: 'event.waiter@e2e.example',
		name: 'Wyn Waiting',
		organisationKey: 'west-yorkshire-police'
	},
	eventTrainer: {
		email: 'event.trainer@e2e.example',
		name: 'Tam Trainer',
		organisationKey: 'kirklees-council'
	},
	fireManager: {
		email: 'fire.manager@e2e.example',
		name: 'Fern Fire-Manager',
		organisationKey: 'wyfrs',
		manages: ['wyfrs']
	},
	stationFirefighter: {
		email: 'station.firefighter@e2e.example',
		name: 'Rhys Route-Taker',
		organisationKey: 'wyfrs',
		team: 'Huddersfield station'
	},
	stationFirefighter2: {
		email: 'station.firefighter2@e2e.example',
		name: 'Nia Not-Yet',
		organisationKey: 'wyfrs',
		team: 'Huddersfield station'
	},
	preventFirefighter: {
		email: 'prevent.firefighter@e2e.example',
		name: 'Pree Vent',
		organisationKey: 'wyfrs',
		team: 'Dewsbury station'
	},
	// The person-page tasks and bulk assignment (tests/e2e/people/person-tasks.e2e.ts).
	taskManager: {
		email: 'task.manager@e2e.example',
		name: 'Tess Task-Manager',
		organisationKey: 'probation-service',
		manages: ['probation-service']
	},
	taskSubject: {
		email: 'task.subject@e2e.example',
		name: 'Tia Task-Subject',
		organisationKey: 'probation-service'
	},
	taskKeyboardSubject: {
		email: 'task.keyboard@e2e.example',
		name: 'Kai Keyed-Record',
		organisationKey: 'probation-service'
	},
	bulkOne: {
		email: 'bulk.one@e2e.example',
		name: 'Bea Bulk-One',
		organisationKey: 'probation-service'
	},
	bulkTwo: {
		email: 'bulk.two@e2e.example',
		name: 'Ben Bulk-Two',
		organisationKey: 'probation-service'
	},
	bulkThree: {
		email: 'bulk.three@e2e.example',
		name: 'Bo Bulk-Three',
		organisationKey: 'probation-service'
	},
	eventsFilterLearner: {
		email: 'events.filter@e2e.example',
		name: 'Fen Filter',
		organisationKey: 'community-volunteers',
		audience: 'community' as const
	},
	bulkOutsider: {
		email: 'bulk.outsider@e2e.example',
		name: 'Oz Bulk-Outsider',
		organisationKey: 'wyfrs'
	},
	// The audit log reads as sentences (tests/e2e/admin/audit.e2e.ts).
	auditAdmin: {
		email: 'audit.admin@e2e.example',
		name: 'Sam Auditor',
		organisationKey: 'kirklees-council',
		isAdmin: true
	},
	auditMover: {
		email: 'audit.mover@e2e.example',
		name: 'Jo Audit-Mover',
		organisationKey: 'kirklees-council'
	},
	// People import: template, typo suggestions, error summary (tests/e2e/people/import.e2e.ts).
	importManager: {
		email: 'import.manager@e2e.example',
		name: 'Ira Import-Manager',
		organisationKey: 'kirklees-council',
		manages: ['kirklees-council']
	}
} as const;

export type WorldKey = keyof typeof WORLD;

export function worldIds(): Record<WorldKey, string> {
	const raw = process.env.E2E_WORLD_IDS;
	if (!raw)
		throw new Error(
			'E2E_WORLD_IDS is not set: run the tests through Playwright so global-setup runs'
		);
	return JSON.parse(raw) as Record<WorldKey, string>;
}
