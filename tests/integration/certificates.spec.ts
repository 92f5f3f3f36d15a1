import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, isNull } from 'drizzle-orm';
import { testDatabase, makePerson } from '../helpers/fixtures.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import type { AuthUser } from '../../src/lib/server/auth/sessions.ts';
import type { Db } from '../../src/lib/server/db/types.ts';
import { courseCatalogue } from '../../src/lib/server/courses/content.ts';
import { registerCourses } from '../../src/lib/server/courses/register.ts';
import { lessonsFor } from '../../src/lib/server/courses/content-schema.ts';
import { myLearning, completeLesson } from '../../src/lib/server/courses/service.ts';
import { startAttempt, submitAttempt } from '../../src/lib/server/assessment/service.ts';
import { runCompletionHooks } from '../../src/lib/server/courses/completion.ts';
import {
	assessmentAttempts,
	auditLog,
	certificates,
	completions,
	courses,
	signingKeys
} from '../../src/lib/server/db/schema.ts';
import {
	ConflictError,
	ForbiddenError,
	NotFoundError,
	ValidationError
} from '../../src/lib/server/errors.ts';
import {
	MISS_RULE,
	VerificationThrottledError,
	certificateCredential,
	certificatePdf,
	listCertificates,
	managedCertificate,
	myCertificates,
	ownCertificate,
	revokeCertificate,
	startCertificates,
	verifyCode,
	verifyCredentialFile
} from '../../src/lib/server/certificates/service.ts';
import {
	SigningKeyError,
	ensureSigningKey,
	forgetUnlockedKeys,
	keyIdFor,
	publishedKey,
	publishedKeys
} from '../../src/lib/server/certificates/keys.ts';
import {
	addProof,
	buildCredential,
	certificatePayload,
	certificateSignatureHolds
} from '../../src/lib/server/certificates/credential.ts';
import { PDF_INFO_KEYS } from '../../src/lib/server/certificates/pdf.ts';
import { pdfProperties, pdfQrCode, pdfText } from '../e2e/certificates/pdf-reading.ts';

let t: TestDatabase;
const catalogue = courseCatalogue();
const SLUG = 'early-asb-intervention';
const course = catalogue.get(SLUG)!;
const ORIGIN = 'https://learning.example.org';
const errorOf = async (work: Promise<unknown>) =>
	work.then(
		() => undefined,
		(e: unknown) => e
	);
let ipCounter = 0;
/** Each test checks from its own address, so rate limits of one never touch another. */
const freshIp = () => `192.0.2.${++ipCounter}`;

beforeAll(async () => {
	t = await testDatabase();
	await registerCourses(t.db, catalogue);
	await startCertificates(t.db);
});
afterAll(async () => t?.close());

/** Completes the course the way a learner does: every lesson, then a passing assessment. */
async function completeByAssessment(learner: AuthUser, now = new Date()) {
	for (const lesson of lessonsFor(course, learner.audience))
		await completeLesson(t.db, learner, SLUG, lesson.slug, now);
	const { attemptId } = await startAttempt(t.db, learner, SLUG, undefined, now);
	const [row] = await t.db
		.select()
		.from(assessmentAttempts)
		.where(eq(assessmentAttempts.id, attemptId));
	const form = Object.fromEntries(
		row!.questions.map((d) => [
			`q-${d.questionId}`,
			String(d.optionOrder.indexOf(course.questions.get(d.questionId)!.answer))
		])
	);
	await submitAttempt(t.db, learner, SLUG, attemptId, form, now);
	const [completion] = await t.db
		.select()
		.from(completions)
		.where(eq(completions.attemptId, attemptId));
	return completion!;
}

/** A completion recorded another way (SCORM, or recorded by a manager), through the same hooks. */
async function completeDirectly(db: Db, learner: AuthUser, completedAt: Date, slug = SLUG) {
	const [c] = await db.select().from(courses).where(eq(courses.slug, slug));
	return db.transaction(async (tx) => {
		const [completion] = await tx
			.insert(completions)
			.values({
				userId: learner.id,
				courseId: c!.id,
				courseVersion: c!.version,
				completedAt,
				source: 'external',
				evidence: 'Attendance sheet'
			})
			.returning();
		await runCompletionHooks(tx, completion!);
		return completion!;
	});
}

async function certificateOf(completionId: string) {
	const [row] = await t.db
		.select()
		.from(certificates)
		.where(eq(certificates.completionId, completionId));
	return row!;
}

describe('signing keys', () => {
	it('are created once, even when several instances start together, and kept across restarts', async () => {
		const other = await testDatabase();
		try {
			const started = await Promise.all([
				ensureSigningKey(other.db),
				ensureSigningKey(other.db),
				ensureSigningKey(other.db),
				ensureSigningKey(other.db)
			]);
			expect(new Set(started.map((s) => s.keyId)).size).toBe(1);
			expect(started.filter((s) => s.created)).toHaveLength(1);
			expect(await ensureSigningKey(other.db)).toEqual({
				keyId: started[0]!.keyId,
				created: false
			});
			const rows = await other.db.select().from(signingKeys);
			expect(rows).toHaveLength(1);
			expect(rows[0]).toMatchObject({ encrypted: false, retiredAt: null });
		} finally {
			await other.close();
		}
	});

	it('are stored encrypted when CERTIFICATE_KEY_SECRET is set, and start-up refuses a wrong secret', async () => {
		const other = await testDatabase();
		try {
			const clear = await ensureSigningKey(other.db);
			// Setting the secret later encrypts the key that exists.
			await ensureSigningKey(other.db, 'correct horse battery staple, certificates');
			const [row] = await other.db
				.select()
				.from(signingKeys)
				.where(eq(signingKeys.keyId, clear.keyId));
			expect(row).toMatchObject({ encrypted: true });
			expect(row!.privateKey).toMatch(/^v1\./);
			// A new key made with the secret is encrypted from the start.
			await other.db.update(signingKeys).set({ retiredAt: new Date() });
			const made = await ensureSigningKey(other.db, 'correct horse battery staple, certificates');
			expect(made.created).toBe(true);
			const [fresh] = await other.db
				.select()
				.from(signingKeys)
				.where(eq(signingKeys.keyId, made.keyId));
			expect(fresh!.encrypted).toBe(true);
			// Another process (nothing unlocked in memory) with no or a wrong secret stops with a clear message.
			forgetUnlockedKeys();
			expect(await errorOf(ensureSigningKey(other.db, undefined))).toBeInstanceOf(SigningKeyError);
			expect(String(await errorOf(ensureSigningKey(other.db, 'wrong')))).toMatch(/does not unlock/);
			expect(
				(await ensureSigningKey(other.db, 'correct horse battery staple, certificates')).keyId
			).toBe(made.keyId);
		} finally {
			await other.close();
		}
	});

	it('rotate: a retired key stays published and still verifies what it signed; new certificates use the new key', async () => {
		const other = await testDatabase();
		try {
			await registerCourses(other.db, catalogue);
			const first = await ensureSigningKey(other.db);
			const learner = await makePerson(other.db, {
				email: 'rotate@cert.example',
				name: 'Rory Rotate'
			});
			const before = await completeDirectly(other.db, learner, new Date('2025-01-10T10:00:00Z'));
			await other.db
				.update(signingKeys)
				.set({ retiredAt: new Date() })
				.where(isNull(signingKeys.retiredAt));
			const second = await ensureSigningKey(other.db);
			expect(second.keyId).not.toBe(first.keyId);
			const after = await completeDirectly(other.db, learner, new Date('2025-06-10T10:00:00Z'));
			const [old] = await other.db
				.select()
				.from(certificates)
				.where(eq(certificates.completionId, before.id));
			const [newer] = await other.db
				.select()
				.from(certificates)
				.where(eq(certificates.completionId, after.id));
			expect(old!.keyId).toBe(first.keyId);
			expect(newer!.keyId).toBe(second.keyId);
			expect((await publishedKeys(other.db)).map((k) => k.keyId).sort()).toEqual(
				[first.keyId, second.keyId].sort()
			);
			const oldKey = await publishedKey(other.db, first.keyId);
			const facts = { ...old!, id: old!.id };
			expect(
				certificateSignatureHolds(certificatePayload(facts), old!.signature, oldKey!.publicKey)
			).toBe(true);
		} finally {
			await other.close();
		}
	});
});

describe('issuing', () => {
	it('issues exactly one certificate per completion: not again for a repeated hook, a restart or an upgrade', async () => {
		const learner = await makePerson(t.db, { email: 'once@cert.example', name: 'Olly Once' });
		const completion = await completeByAssessment(learner);
		const certificate = await certificateOf(completion.id);
		expect(certificate.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
		expect(certificate).toMatchObject({
			learnerName: 'Olly Once',
			courseTitle: course.title,
			partnershipName: 'Safer Kirklees',
			revokedAt: null
		});
		expect(certificate.completedAt).toEqual(completion.completedAt);

		await t.db.transaction((tx) => runCompletionHooks(tx, completion));
		await Promise.all([
			t.db.transaction((tx) => runCompletionHooks(tx, completion)),
			t.db.transaction((tx) => runCompletionHooks(tx, completion))
		]);
		await startCertificates(t.db);
		await registerCourses(t.db, catalogue);
		await startCertificates(t.db);
		const rows = await t.db.select().from(certificates).where(eq(certificates.userId, learner.id));
		expect(rows).toHaveLength(1);
		expect(rows[0]!.code).toBe(certificate.code);
	});

	it('sets the expiry from the course validity, and signs what it says with the current key', async () => {
		const learner = await makePerson(t.db, { email: 'expiry@cert.example', name: 'Eve Expiry' });
		const completion = await completeDirectly(t.db, learner, new Date('2024-01-31T12:00:00Z'));
		const certificate = await certificateOf(completion.id);
		expect(course.validityMonths).toBe(24);
		expect(certificate.expiresAt).toEqual(new Date('2026-01-31T12:00:00Z'));
		const key = await publishedKey(t.db, certificate.keyId);
		expect(
			certificateSignatureHolds(
				certificatePayload({ ...certificate }),
				certificate.signature,
				key!.publicKey
			)
		).toBe(true);
		expect(
			certificateSignatureHolds(
				certificatePayload({ ...certificate, learnerName: 'Eve Forger' }),
				certificate.signature,
				key!.publicKey
			)
		).toBe(false);
	});

	it('makes a PDF whose text, QR code and signed properties all match the record', async () => {
		const learner = await makePerson(t.db, { email: 'pdf@cert.example', name: 'Pat Pdf' });
		const completion = await completeDirectly(t.db, learner, new Date('2025-02-03T10:00:00Z'));
		const record = await ownCertificate(t.db, learner, (await certificateOf(completion.id)).code);
		const bytes = await certificatePdf(t.db, record, ORIGIN);
		const text = await pdfText(bytes);
		for (const expected of [
			'Pat Pdf',
			course.title,
			record.code,
			'Safer Kirklees',
			'Valid until 3 February 2027'
		])
			expect(text).toContain(expected);
		expect((await pdfQrCode(bytes)).text).toBe(`${ORIGIN}/verify/${record.code}`);
		const properties = await pdfProperties(bytes);
		expect(properties.info[PDF_INFO_KEYS.signature]).toBe(record.signature);
		expect(properties.info[PDF_INFO_KEYS.keyId]).toBe(record.keyId);
		const key = await publishedKey(t.db, properties.info[PDF_INFO_KEYS.keyId]!);
		expect(
			certificateSignatureHolds(
				JSON.parse(properties.info[PDF_INFO_KEYS.payload]!),
				properties.info[PDF_INFO_KEYS.signature]!,
				key!.publicKey
			)
		).toBe(true);
	});
});

describe('verifying a code', () => {
	it('says valid, showing only name, course, partnership and dates; accepts the code however it is typed', async () => {
		const learner = await makePerson(t.db, { email: 'valid@cert.example', name: 'Val Valid' });
		const { code } = await certificateOf(
			(await completeDirectly(t.db, learner, new Date('2025-05-01T09:00:00Z'))).id
		);
		const now = new Date('2025-06-01T00:00:00Z');
		const result = await verifyCode(t.db, code, freshIp(), now);
		expect(result).toEqual({
			state: 'valid',
			code,
			certificate: {
				learnerName: 'Val Valid',
				courseTitle: course.title,
				partnershipName: 'Safer Kirklees',
				completedAt: new Date('2025-05-01T09:00:00Z'),
				issuedAt: expect.any(Date),
				expiresAt: new Date('2027-05-01T09:00:00Z'),
				revokedAt: null,
				newerIssuedAt: null
			}
		});
		expect(JSON.stringify(result)).not.toContain('valid@cert.example');
		for (const typed of [code.toLowerCase(), code.replaceAll('-', ''), code.replaceAll('-', ' ')])
			expect((await verifyCode(t.db, typed, freshIp(), now)).state).toBe('valid');
		expect(await verifyCode(t.db, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ', freshIp(), now)).toEqual({
			state: 'not-found',
			code: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ',
			certificate: null
		});
		expect(await verifyCode(t.db, 'hello', freshIp(), now)).toEqual({
			state: 'not-found',
			code: null,
			certificate: null
		});
	});

	it('says expired once the validity period has passed (time moved, not waited for)', async () => {
		const learner = await makePerson(t.db, { email: 'expired@cert.example', name: 'Ezra Expired' });
		const { code } = await certificateOf(
			(await completeDirectly(t.db, learner, new Date('2023-03-15T14:00:00Z'))).id
		);
		expect((await verifyCode(t.db, code, freshIp(), new Date('2025-03-15T13:59:59Z'))).state).toBe(
			'valid'
		);
		const expired = await verifyCode(t.db, code, freshIp(), new Date('2025-03-15T14:00:00Z'));
		expect(expired.state).toBe('expired');
		expect(expired.certificate!.expiresAt).toEqual(new Date('2025-03-15T14:00:00Z'));
	});

	it('rate-limits an address that tries many codes, answering again after the lock', async () => {
		const ip = freshIp();
		const now = new Date('2025-07-01T10:00:00Z');
		for (let i = 0; i < MISS_RULE.maxFailures; i++)
			expect(
				(await verifyCode(t.db, `0000-0000-0000-${String(i).padStart(4, '0')}`, ip, now)).state
			).toBe('not-found');
		const throttled = (await errorOf(
			verifyCode(t.db, '0000-0000-0000-0000', ip, now)
		)) as VerificationThrottledError;
		expect(throttled).toBeInstanceOf(VerificationThrottledError);
		expect(throttled.retryAfterSeconds).toBe(MISS_RULE.lockMs / 1000);
		expect(throttled.message).toMatch(/too many certificate checks.*Wait 15 minutes/);
		// A different address is not affected; the same one may check again once the lock has passed.
		expect((await verifyCode(t.db, '0000-0000-0000-0000', freshIp(), now)).state).toBe('not-found');
		expect(
			(
				await verifyCode(
					t.db,
					'0000-0000-0000-0000',
					ip,
					new Date(now.getTime() + MISS_RULE.lockMs + 1000)
				)
			).state
		).toBe('not-found');
	});
});

describe('recertification and history', () => {
	it('issues a new certificate; the earlier one shows as superseded, then expired; the learner sees both', async () => {
		const learner = await makePerson(t.db, { email: 'renew@cert.example', name: 'Ren Renew' });
		const first = await certificateOf(
			(await completeDirectly(t.db, learner, new Date('2023-06-01T10:00:00Z'))).id
		);
		const second = await certificateOf(
			(await completeDirectly(t.db, learner, new Date('2025-05-20T10:00:00Z'))).id
		);
		expect(second.code).not.toBe(first.code);

		const beforeRenewal = new Date('2025-05-01T00:00:00Z');
		expect((await verifyCode(t.db, first.code, freshIp(), beforeRenewal)).state).toBe('valid');
		expect((await verifyCode(t.db, second.code, freshIp(), beforeRenewal)).state).toBe('not-found');

		const afterRenewal = new Date('2025-05-25T00:00:00Z');
		const superseded = await verifyCode(t.db, first.code, freshIp(), afterRenewal);
		expect(superseded.state).toBe('superseded');
		expect(superseded.certificate!.newerIssuedAt).toEqual(second.issuedAt);
		expect((await verifyCode(t.db, second.code, freshIp(), afterRenewal)).state).toBe('valid');

		const afterOldExpiry = new Date('2025-06-02T00:00:00Z');
		const expired = await verifyCode(t.db, first.code, freshIp(), afterOldExpiry);
		expect(expired).toMatchObject({
			state: 'expired',
			certificate: { newerIssuedAt: second.issuedAt }
		});

		const history = await myCertificates(t.db, learner, afterOldExpiry);
		expect(history).toHaveLength(1);
		expect(history[0]!.certificates.map((c) => [c.code, c.state])).toEqual([
			[second.code, 'valid'],
			[first.code, 'expired']
		]);
		// "My learning" offers the newest one.
		expect(
			(await myLearning(t.db, learner, afterOldExpiry)).completed.find((c) => c.slug === SLUG)
				?.certificate?.code
		).toBe(second.code);
	});

	it('treats a certificate whose completion was voided as revoked from that day', async () => {
		const learner = await makePerson(t.db, { email: 'void@cert.example', name: 'Vic Void' });
		const completion = await completeDirectly(t.db, learner, new Date('2025-01-05T10:00:00Z'));
		const voidedAt = new Date('2025-02-01T10:00:00Z');
		await t.db
			.update(completions)
			.set({ voidedAt, voidReason: 'Recorded against the wrong person' })
			.where(eq(completions.id, completion.id));
		const result = await verifyCode(
			t.db,
			(await certificateOf(completion.id)).code,
			freshIp(),
			new Date('2025-03-01T00:00:00Z')
		);
		expect(result).toMatchObject({ state: 'revoked', certificate: { revokedAt: voidedAt } });
	});
});

describe('revocation', () => {
	it('only admins revoke, with a reason in the audit log; verification then says revoked, with the date but not the reason', async () => {
		const learner = await makePerson(t.db, {
			email: 'revoke@cert.example',
			name: 'Rae Revoked',
			organisationKey: 'kirklees-council'
		});
		const manager = await makePerson(t.db, {
			email: 'revoke.manager@cert.example',
			organisationKey: 'kirklees-council',
			manages: ['kirklees-council']
		});
		const admin = await makePerson(t.db, { email: 'revoke.admin@cert.example', isAdmin: true });
		const { code, id } = await certificateOf(
			(await completeDirectly(t.db, learner, new Date('2025-04-01T10:00:00Z'))).id
		);
		const reason = 'Assessment completed by a colleague on their behalf';

		expect(await errorOf(revokeCertificate(t.db, learner, code, { reason }))).toBeInstanceOf(
			ForbiddenError
		);
		expect(await errorOf(revokeCertificate(t.db, manager, code, { reason }))).toBeInstanceOf(
			ForbiddenError
		);
		const missing = (await errorOf(
			revokeCertificate(t.db, admin, code, { reason: ' ' })
		)) as ValidationError;
		expect(missing).toBeInstanceOf(ValidationError);
		expect(missing.fieldErrors.reason).toBeTruthy();
		expect(
			await errorOf(revokeCertificate(t.db, admin, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ', { reason }))
		).toBeInstanceOf(NotFoundError);

		// "My learning" is kept briefly per learner and offers the certificate; revoking drops it at once.
		const offered = async () =>
			(await myLearning(t.db, learner)).completed.find((c) => c.slug === SLUG)?.certificate?.code;
		expect(await offered()).toBe(code);
		expect(await offered()).toBe(code);
		const at = new Date('2025-04-10T15:00:00Z');
		await revokeCertificate(t.db, admin, code.toLowerCase(), { reason }, at);
		expect(await offered()).toBeUndefined();
		const result = await verifyCode(t.db, code, freshIp(), new Date('2025-04-11T00:00:00Z'));
		expect(result).toMatchObject({ state: 'revoked', certificate: { revokedAt: at } });
		expect(JSON.stringify(result)).not.toContain('colleague');

		const [entry] = await t.db
			.select()
			.from(auditLog)
			.where(and(eq(auditLog.action, 'certificate.revoked'), eq(auditLog.targetId, id)));
		expect(entry).toMatchObject({
			actorId: admin.id,
			targetType: 'certificate',
			reason,
			organisationId: learner.organisationId
		});
		expect(await errorOf(revokeCertificate(t.db, admin, code, { reason }))).toBeInstanceOf(
			ConflictError
		);
		// The record is kept, with who and why, for managers and admins.
		expect(await managedCertificate(t.db, manager, code)).toMatchObject({
			state: 'revoked',
			revokeReason: reason
		});
	});

	it('revoking the newer certificate makes the earlier one valid again rather than superseded', async () => {
		const learner = await makePerson(t.db, {
			email: 'revoke.newer@cert.example',
			name: 'Nia Newer'
		});
		const admin = await makePerson(t.db, {
			email: 'revoke.newer.admin@cert.example',
			isAdmin: true
		});
		const first = await certificateOf(
			(await completeDirectly(t.db, learner, new Date('2025-01-01T10:00:00Z'))).id
		);
		const second = await certificateOf(
			(await completeDirectly(t.db, learner, new Date('2025-03-01T10:00:00Z'))).id
		);
		const now = new Date('2025-04-01T00:00:00Z');
		expect((await verifyCode(t.db, first.code, freshIp(), now)).state).toBe('superseded');
		await revokeCertificate(t.db, admin, second.code, { reason: 'Issued in error' }, now);
		expect((await verifyCode(t.db, first.code, freshIp(), now)).state).toBe('valid');
	});
});

describe('who may see and download certificates', () => {
	it('learners their own; managers those of their organisations; admins any', async () => {
		const officer = await makePerson(t.db, {
			email: 'scope.officer@cert.example',
			name: 'Sid Scope',
			organisationKey: 'west-yorkshire-police'
		});
		const other = await makePerson(t.db, { email: 'scope.other@cert.example' });
		const policeManager = await makePerson(t.db, {
			email: 'scope.police@cert.example',
			manages: ['west-yorkshire-police']
		});
		const councilManager = await makePerson(t.db, {
			email: 'scope.council@cert.example',
			organisationKey: 'kirklees-council',
			manages: ['kirklees-council']
		});
		const admin = await makePerson(t.db, {
			email: 'scope.admin@cert.example',
			organisationKey: 'kirklees-council',
			isAdmin: true
		});
		const { code } = await certificateOf(
			(await completeDirectly(t.db, officer, new Date('2025-05-05T10:00:00Z'))).id
		);

		expect((await ownCertificate(t.db, officer, code)).code).toBe(code);
		expect(await errorOf(ownCertificate(t.db, other, code))).toBeInstanceOf(NotFoundError);
		expect((await managedCertificate(t.db, policeManager, code)).learnerName).toBe('Sid Scope');
		expect(await errorOf(managedCertificate(t.db, councilManager, code))).toBeInstanceOf(
			NotFoundError
		);
		expect((await managedCertificate(t.db, admin, code)).organisationName).toBe(
			'West Yorkshire Police'
		);

		const search = { q: 'Sid Scope', page: 1 };
		expect((await listCertificates(t.db, policeManager, search)).rows.map((r) => r.code)).toEqual([
			code
		]);
		expect((await listCertificates(t.db, councilManager, search)).total).toBe(0);
		expect(
			(await listCertificates(t.db, admin, { q: code.toLowerCase(), page: 1 })).rows.map(
				(r) => r.learnerName
			)
		).toEqual(['Sid Scope']);
		expect(
			(await listCertificates(t.db, councilManager, { page: 1 })).rows.every(
				(r) => r.organisationName === 'Kirklees Council'
			)
		).toBe(true);
	});
});

describe('the signed JSON credential', () => {
	it('verifies when uploaded; a tampered copy fails; a revoked one says so', async () => {
		const learner = await makePerson(t.db, { email: 'json@cert.example', name: 'Jay Json' });
		const admin = await makePerson(t.db, { email: 'json.admin@cert.example', isAdmin: true });
		const { code } = await certificateOf(
			(await completeDirectly(t.db, learner, new Date('2025-05-10T10:00:00Z'))).id
		);
		const record = await ownCertificate(t.db, learner, code);
		const credential = await certificateCredential(t.db, record, ORIGIN);
		const text = JSON.stringify(credential, null, 2);
		const now = new Date('2025-06-01T00:00:00Z');

		const ok = await verifyCredentialFile(t.db, text, freshIp(), now);
		expect(ok).toMatchObject({
			signature: 'holds',
			result: { state: 'valid', code, certificate: { learnerName: 'Jay Json' } }
		});

		const tampered = text.replace('"identityHash": "Jay Json"', '"identityHash": "Someone Else"');
		expect(tampered).not.toBe(text);
		expect(await verifyCredentialFile(t.db, tampered, freshIp(), now)).toEqual({
			signature: 'fails',
			keyId: null,
			result: null
		});
		const later = text.replace(/"validUntil": "[^"]+"/, '"validUntil": "2099-01-01T00:00:00.000Z"');
		expect((await verifyCredentialFile(t.db, later, freshIp(), now)).signature).toBe('fails');

		// Signed properly, but by a key that is not ours.
		const { privateKey, publicKey } = generateKeyPairSync('ed25519');
		const stranger = addProof(
			buildCredential({ ...record }, ORIGIN),
			{ keyId: keyIdFor(publicKey), privateKey },
			ORIGIN
		);
		expect(
			(await verifyCredentialFile(t.db, JSON.stringify(stranger), freshIp(), now)).signature
		).toBe('unknown-key');

		expect(
			await errorOf(verifyCredentialFile(t.db, 'this is not JSON', freshIp(), now))
		).toBeInstanceOf(ValidationError);
		expect(
			await errorOf(verifyCredentialFile(t.db, '{"hello": "world"}', freshIp(), now))
		).toBeInstanceOf(ValidationError);

		await revokeCertificate(t.db, admin, code, { reason: 'Issued against the wrong course' }, now);
		expect(
			await verifyCredentialFile(t.db, text, freshIp(), new Date('2025-06-02T00:00:00Z'))
		).toMatchObject({ signature: 'holds', result: { state: 'revoked' } });
	});
});
