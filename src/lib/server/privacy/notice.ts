import { z } from 'zod';

/**
 * The `privacy:` section of content/partnership.yaml: what the privacy notice says and how long
 * each kind of record is kept. Another partnership writes its own section; nothing here is Kirklees'.
 * Every retention period has a default and a reason, so a partnership that leaves one out still
 * gets a sensible period and the notice still says why.
 */
const text = z.string().trim().min(1);

export const RETENTION_DEFAULTS = {
	deactivatedPeople: {
		years: 6,
		reason:
			'Training records show that staff and volunteers were trained when they worked with the public. They are kept for six years after someone leaves (the usual limitation period for claims), then the person is anonymised; the figures stay.'
	},
	assessmentDetail: {
		months: 12,
		reason:
			'The questions and answers of an assessment, and the detailed data of e-learning packages, are only needed while a result might be queried. After that only the outcome (score, pass or fail, completion) is kept.'
	},
	emailBodies: {
		days: 30,
		reason:
			'Copies of emails are kept so that admins can check what was sent and resend it. After that only the fact that it was sent is kept.'
	},
	auditEntries: {
		years: 7,
		reason:
			'The audit log shows who changed what and why, so that records can be trusted. Entries are kept for seven years, then deleted.'
	}
} as const;

const D = RETENTION_DEFAULTS;
const reason = (fallback: string) => text.default(fallback);

export const retentionSchema = z
	.object({
		deactivatedPeople: z
			.object({
				years: z.int().min(1).max(50).default(D.deactivatedPeople.years),
				reason: reason(D.deactivatedPeople.reason)
			})
			.prefault({}),
		assessmentDetail: z
			.object({
				months: z.int().min(1).max(600).default(D.assessmentDetail.months),
				reason: reason(D.assessmentDetail.reason)
			})
			.prefault({}),
		emailBodies: z
			.object({
				days: z.int().min(1).max(3650).default(D.emailBodies.days),
				reason: reason(D.emailBodies.reason)
			})
			.prefault({}),
		auditEntries: z
			.object({
				years: z.int().min(1).max(50).default(D.auditEntries.years),
				reason: reason(D.auditEntries.reason)
			})
			.prefault({})
	})
	.prefault({});

export type Retention = z.infer<typeof retentionSchema>;

export const privacyNoticeSchema = z.object({
	/** who decides how the data is used, e.g. the partnership and each agency for its own people */
	controllers: z.array(z.object({ name: text, role: text })).min(1),
	contact: z
		.object({
			name: text,
			email: z.email().optional(),
			url: z.url().optional(),
			phone: z.string().trim().optional(),
			address: z.string().trim().optional()
		})
		.refine(
			(c) => c.email || c.url || c.phone || c.address,
			'give at least one of email, url, phone or address'
		),
	purposes: z.array(z.object({ purpose: text, lawfulBasis: text })).min(1),
	held: z.array(text).min(1),
	sharing: z.array(text).default([]),
	complaints: z
		.object({ name: text, url: z.url().optional(), phone: z.string().trim().optional() })
		.prefault({
			name: "the Information Commissioner's Office (ICO)",
			url: 'https://ico.org.uk/make-a-complaint/',
			phone: '0303 123 1113'
		}),
	retention: retentionSchema
});

export type PrivacyNotice = z.infer<typeof privacyNoticeSchema>;
