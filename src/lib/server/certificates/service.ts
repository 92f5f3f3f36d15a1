import { and, asc, desc, eq, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/types.ts';
import {
	certificates,
	completions,
	courses,
	organisations,
	partnership,
	users
} from '../db/schema.ts';
import type { AuthUser } from '../auth/sessions.ts';
import { assertAdmin, manageableOrganisationIds } from '../auth/permissions.ts';
import { recordFailure, secondsLocked, type ThrottleRule } from '../auth/throttle.ts';
import { recordAudit } from '../audit/service.ts';
import { brandingFor } from '../partnership/branding-cache.ts';
import { config } from '../config.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { parseInput, reasonField } from '../validation.ts';
import { onCourseCompleted, type CompletionRecord } from '../courses/completion.ts';
import { generateCode, normaliseCode } from './code.ts';
import { currentSigningKey, ensureSigningKey, publishedKey } from './keys.ts';
import {
	addProof,
	buildCredential,
	certificatePayload,
	checkProof,
	signCertificate,
	verifyUrl,
	type CertificateFacts
} from './credential.ts';
import { canonicalJson } from './signing.ts';
import { jsonTooDeep } from '../http/boundary.ts';

/**
 * Certificates: issued exactly once per completion, by the completion hook (the only issuer), in
 * the transaction that records the completion. Never deleted; revoked with a reason. Their state
 * is derived when asked, at a given time: revoked, expired, superseded (a newer certificate for
 * the same person and course exists) or valid.
 */

// --- Issuing --------------------------------------------------------------------------------

/** Issues the certificate for a completion, once: a second call for the same completion does nothing. */
export async function issueCertificate(
	tx: Db,
	completion: CompletionRecord,
	now = new Date()
): Promise<{ code: string } | null> {
	const [facts] = await tx
		.select({
			learnerName: users.name,
			courseTitle: courses.title,
			// The same calendar arithmetic as tracking's expiry (PostgreSQL's month interval).
			expiresAt:
				sql<Date | null>`case when ${courses.validityMonths} > 0 then ${completion.completedAt.toISOString()}::timestamptz + make_interval(months => ${courses.validityMonths}) end`.mapWith(
					certificates.expiresAt
				),
			partnershipName: sql<string>`(select ${partnership.name} from ${partnership} where ${partnership.id} = 1)`
		})
		.from(users)
		.innerJoin(courses, eq(courses.id, completion.courseId))
		.where(eq(users.id, completion.userId));
	if (!facts)
		throw new Error(
			`Cannot issue a certificate: no person or course for completion ${completion.id}`
		);
	const key = await currentSigningKey(tx, undefined, now);
	const certificate: Omit<CertificateFacts, 'id'> = {
		code: generateCode(),
		courseId: completion.courseId,
		learnerName: facts.learnerName,
		courseTitle: facts.courseTitle,
		partnershipName: facts.partnershipName,
		completedAt: completion.completedAt,
		issuedAt: now,
		expiresAt: facts.expiresAt
	};
	const [row] = await tx
		.insert(certificates)
		.values({
			...certificate,
			completionId: completion.id,
			userId: completion.userId,
			keyId: key.keyId,
			signature: signCertificate({ ...certificate, id: '' }, key)
		})
		.onConflictDoNothing({ target: certificates.completionId })
		.returning({ code: certificates.code });
	return row ?? null;
}

onCourseCompleted(async (tx, completion) => {
	await issueCertificate(tx, completion);
});

/** Start-up: a signing key exists and unlocks. Importing this module registers the completion hook. */
export async function startCertificates(db: Db): Promise<void> {
	await ensureSigningKey(db);
}

// --- State ----------------------------------------------------------------------------------

export type CertificateState = 'valid' | 'expired' | 'revoked' | 'superseded';

const iso = (d: Date) => d.toISOString();

/** The earliest newer certificate for the same person and course, existing at `now`, not withdrawn. */
const newerIssuedAt = (now: Date) =>
	sql<Date | null>`(select min(n.issued_at) from ${certificates} n join ${completions} nc on nc.id = n.completion_id
		where n.user_id = ${certificates.userId} and n.course_id = ${certificates.courseId}
		and (n.completed_at, n.issued_at) > (${certificates.completedAt}, ${certificates.issuedAt})
		and n.completed_at <= ${iso(now)}::timestamptz and n.revoked_at is null and nc.voided_at is null)`.mapWith(
		certificates.issuedAt
	);

const stateColumns = (now: Date) => ({
	id: certificates.id,
	code: certificates.code,
	userId: certificates.userId,
	courseId: certificates.courseId,
	learnerName: certificates.learnerName,
	courseTitle: certificates.courseTitle,
	partnershipName: certificates.partnershipName,
	completedAt: certificates.completedAt,
	issuedAt: certificates.issuedAt,
	expiresAt: certificates.expiresAt,
	keyId: certificates.keyId,
	signature: certificates.signature,
	revokedAt: certificates.revokedAt,
	voidedAt: completions.voidedAt,
	nameWithheldAt: certificates.nameWithheldAt,
	newerIssuedAt: newerIssuedAt(now)
});

type StateRow = {
	revokedAt: Date | null;
	voidedAt: Date | null;
	expiresAt: Date | null;
	newerIssuedAt: Date | null;
};

/**
 * Revoked beats everything (a voided completion withdraws its certificate too, from the day it
 * was voided); then expired; then superseded by a newer certificate; otherwise valid.
 */
export function stateAt(
	row: StateRow,
	now: Date
): { state: CertificateState; withdrawnAt: Date | null } {
	const withdrawnAt = row.revokedAt ?? row.voidedAt;
	if (withdrawnAt) return { state: 'revoked', withdrawnAt };
	if (row.expiresAt && row.expiresAt.getTime() <= now.getTime())
		return { state: 'expired', withdrawnAt: null };
	if (row.newerIssuedAt) return { state: 'superseded', withdrawnAt: null };
	return { state: 'valid', withdrawnAt: null };
}

export const STATE_LABELS: Record<CertificateState, string> = {
	valid: 'Valid',
	expired: 'Expired',
	revoked: 'Revoked',
	superseded: 'Superseded'
};

// --- Public verification ----------------------------------------------------------------------

/** Every check by an address counts; codes that match nothing count again, more strictly. */
export const LOOKUP_RULE: ThrottleRule = {
	maxFailures: 600,
	windowMs: 10 * 60_000,
	lockMs: 10 * 60_000
};
export const MISS_RULE: ThrottleRule = {
	maxFailures: 20,
	windowMs: 15 * 60_000,
	lockMs: 15 * 60_000
};
const lookupKey = (ip: string) => `verify-ip:${ip}`;
const missKey = (ip: string) => `verify-miss:${ip}`;

export class VerificationThrottledError extends Error {
	readonly status = 429;
	constructor(readonly retryAfterSeconds: number) {
		const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
		super(
			`There have been too many certificate checks from your network. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`
		);
		this.name = 'VerificationThrottledError';
	}
}

async function countCheck(db: Db, ip: string, now: Date): Promise<void> {
	const locked = Math.max(
		...(await Promise.all([
			secondsLocked(db, lookupKey(ip), now),
			secondsLocked(db, missKey(ip), now)
		]))
	);
	if (locked > 0) throw new VerificationThrottledError(locked);
	await recordFailure(db, lookupKey(ip), LOOKUP_RULE, now);
}

/** What the public may see: the learner's name, the course, the issuer and dates. Never the reason for a revocation. */
export interface PublicVerification {
	state: CertificateState | 'not-found';
	code: string | null;
	certificate: {
		/** null once the holder was anonymised: a check then shows that it is genuine and its dates, not who holds it */
		learnerName: string | null;
		courseTitle: string;
		partnershipName: string;
		completedAt: Date;
		issuedAt: Date;
		expiresAt: Date | null;
		revokedAt: Date | null;
		newerIssuedAt: Date | null;
	} | null;
}

async function lookUpPublic(
	db: Db,
	code: string | null,
	now: Date
): Promise<PublicVerification & { id?: string }> {
	if (!code) return { state: 'not-found', code: null, certificate: null };
	const [row] = await db
		.select(stateColumns(now))
		.from(certificates)
		.innerJoin(completions, eq(completions.id, certificates.completionId))
		.where(eq(certificates.code, code));
	if (!row || row.completedAt.getTime() > now.getTime())
		return { state: 'not-found', code, certificate: null };
	const { state, withdrawnAt } = stateAt(row, now);
	return {
		id: row.id,
		state,
		code,
		certificate: {
			learnerName: row.nameWithheldAt ? null : row.learnerName,
			courseTitle: row.courseTitle,
			partnershipName: row.partnershipName,
			completedAt: row.completedAt,
			issuedAt: row.issuedAt,
			expiresAt: row.expiresAt,
			revokedAt: withdrawnAt,
			newerIssuedAt: row.newerIssuedAt
		}
	};
}

/** The public check of a code, as typed or scanned. Rate-limited per address. */
export async function verifyCode(
	db: Db,
	rawCode: string,
	ip: string,
	now = new Date()
): Promise<PublicVerification> {
	await countCheck(db, ip, now);
	const result = await lookUpPublic(db, normaliseCode(rawCode), now);
	if (result.state === 'not-found') await recordFailure(db, missKey(ip), MISS_RULE, now);
	const { id: _id, ...visible } = result;
	return visible;
}

export const MAX_CREDENTIAL_BYTES = 64 * 1024;
/** Arrays and objects nested deeper than this are refused unparsed. */
const MAX_CREDENTIAL_DEPTH = 32;

export interface CredentialVerification {
	/** the file's signature: made by one of our keys over exactly this content */
	signature: 'holds' | 'fails' | 'unknown-key' | 'unsupported';
	keyId: string | null;
	/** the certificate's state now, when the signature holds */
	result: PublicVerification | null;
}

/**
 * Checks an uploaded JSON credential: its eddsa-jcs-2022 signature against our published keys,
 * then the certificate it names (by its status URL) and that it is the same certificate.
 */
export async function verifyCredentialFile(
	db: Db,
	text: string,
	ip: string,
	now = new Date()
): Promise<CredentialVerification> {
	const notCredential = () =>
		new ValidationError({
			credential:
				'The selected file is not a certificate credential. Choose the .json file downloaded with the certificate'
		});
	if (!text.trim()) throw new ValidationError({ credential: 'The selected file is empty' });
	if (Buffer.byteLength(text) > MAX_CREDENTIAL_BYTES)
		throw new ValidationError({ credential: 'The selected file must be smaller than 64 KB' });
	// Canonicalising is recursive: refuse deep nesting before parsing (a credential nests a few levels).
	if (jsonTooDeep(text, MAX_CREDENTIAL_DEPTH)) throw notCredential();
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw notCredential();
	}
	await countCheck(db, ip, now);
	const proof = await checkProof(
		parsed,
		async (keyId) => (await publishedKey(db, keyId))?.publicKey ?? null
	);
	if (!proof.ok) {
		if (proof.problem === 'not-a-credential') throw notCredential();
		await recordFailure(db, missKey(ip), MISS_RULE, now);
		const signature =
			proof.problem === 'signature-fails'
				? 'fails'
				: proof.problem === 'unknown-key'
					? 'unknown-key'
					: 'unsupported';
		return { signature, keyId: null, result: null };
	}
	const status = proof.document.credentialStatus;
	const statusId =
		typeof status === 'object' && status && !Array.isArray(status) && typeof status.id === 'string'
			? status.id
			: '';
	const found = await lookUpPublic(
		db,
		normaliseCode(decodeURIComponent(statusId.split('/').pop() ?? '')),
		now
	);
	const { id, ...visible } = found;
	if (found.state === 'not-found' || proof.document.id !== `urn:uuid:${id}`) {
		await recordFailure(db, missKey(ip), MISS_RULE, now);
		return {
			signature: 'holds',
			keyId: proof.keyId,
			result: { state: 'not-found', code: found.code, certificate: null }
		};
	}
	return { signature: 'holds', keyId: proof.keyId, result: visible };
}

// --- A learner's own certificates ---------------------------------------------------------------

export interface CertificateSummary {
	code: string;
	courseId: string;
	courseTitle: string;
	completedAt: Date;
	issuedAt: Date;
	expiresAt: Date | null;
	state: CertificateState;
	revokedAt: Date | null;
}

type SummaryRow = StateRow & {
	code: string;
	courseId: string;
	courseTitle: string;
	completedAt: Date;
	issuedAt: Date;
};

function summarise(row: SummaryRow, now: Date): CertificateSummary {
	const { state, withdrawnAt } = stateAt(row, now);
	return {
		code: row.code,
		courseId: row.courseId,
		courseTitle: row.courseTitle,
		completedAt: row.completedAt,
		issuedAt: row.issuedAt,
		expiresAt: row.expiresAt,
		state,
		revokedAt: withdrawnAt
	};
}

function selectStates(db: Db, where: SQL | undefined, now: Date) {
	return db
		.select(stateColumns(now))
		.from(certificates)
		.innerJoin(completions, eq(completions.id, certificates.completionId))
		.where(where)
		.orderBy(
			asc(certificates.courseTitle),
			desc(certificates.completedAt),
			desc(certificates.issuedAt)
		);
}

/** Every certificate the learner has, newest first within each course: the whole history. */
export async function myCertificates(db: Db, learner: AuthUser, now = new Date()) {
	const rows = await selectStates(db, eq(certificates.userId, learner.id), now);
	const byCourse = new Map<
		string,
		{ courseId: string; courseTitle: string; certificates: CertificateSummary[] }
	>();
	for (const row of rows) {
		const group = byCourse.get(row.courseId) ?? {
			courseId: row.courseId,
			courseTitle: row.courseTitle,
			certificates: []
		};
		group.certificates.push(summarise(row, now));
		byCourse.set(row.courseId, group);
	}
	return [...byCourse.values()];
}

// --- One certificate, for its holder or a manager -----------------------------------------------

async function findByCode(db: Db, rawCode: string, now: Date) {
	const code = normaliseCode(rawCode);
	if (!code) return null;
	const [row] = await db
		.select({
			...stateColumns(now),
			organisationId: users.organisationId,
			organisationName: organisations.name,
			revokeReason: certificates.revokeReason,
			revokedByName: sql<
				string | null
			>`(select name from ${users} r where r.id = ${certificates.revokedBy})`
		})
		.from(certificates)
		.innerJoin(completions, eq(completions.id, certificates.completionId))
		.innerJoin(users, eq(users.id, certificates.userId))
		.innerJoin(organisations, eq(organisations.id, users.organisationId))
		.where(eq(certificates.code, code));
	return row ? { ...row, ...stateAt(row, now) } : null;
}

export type CertificateRecord = NonNullable<Awaited<ReturnType<typeof findByCode>>>;

/** The learner's own certificate; anyone else's is "not found". */
export async function ownCertificate(
	db: Db,
	learner: AuthUser,
	rawCode: string,
	now = new Date()
): Promise<CertificateRecord> {
	const row = await findByCode(db, rawCode, now);
	if (!row || row.userId !== learner.id)
		throw new NotFoundError('We could not find that certificate.');
	return row;
}

/** A certificate of someone the actor manages (admins: anyone); outside their scope it is "not found". */
export async function managedCertificate(
	db: Db,
	actor: AuthUser,
	rawCode: string,
	now = new Date()
) {
	const row = await findByCode(db, rawCode, now);
	const scope = manageableOrganisationIds(actor);
	if (!row || (scope !== null && !scope.includes(row.organisationId)))
		throw new NotFoundError('We could not find that certificate.');
	const history = (
		await selectStates(
			db,
			and(eq(certificates.userId, row.userId), eq(certificates.courseId, row.courseId)),
			now
		)
	).map((r) => summarise(r, now));
	return { ...row, history };
}

export const certificateFilterSchema = z.object({
	q: z.string().trim().max(200).optional().catch(undefined),
	page: z.coerce.number().int().min(1).max(100_000).catch(1)
});
export type CertificateFilter = z.output<typeof certificateFilterSchema>;
export const CERTIFICATE_PAGE_SIZE = 25;

/** Certificates of the people in the actor's organisations (admins: all), newest first; search by name or code. */
export async function listCertificates(
	db: Db,
	actor: AuthUser,
	filter: CertificateFilter,
	now = new Date()
) {
	const scope = manageableOrganisationIds(actor);
	const conditions: (SQL | undefined)[] = [
		scope === null ? undefined : scope.length ? inArray(users.organisationId, scope) : sql`false`
	];
	if (filter.q) {
		const code = normaliseCode(filter.q);
		const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
		conditions.push(
			or(
				ilike(users.name, pattern),
				ilike(certificates.learnerName, pattern),
				ilike(certificates.courseTitle, pattern),
				code ? eq(certificates.code, code) : undefined
			)
		);
	}
	const where = and(...conditions);
	const rows = await db
		.select({ ...stateColumns(now), organisationName: organisations.name })
		.from(certificates)
		.innerJoin(completions, eq(completions.id, certificates.completionId))
		.innerJoin(users, eq(users.id, certificates.userId))
		.innerJoin(organisations, eq(organisations.id, users.organisationId))
		.where(where)
		.orderBy(desc(certificates.issuedAt), desc(certificates.id))
		.limit(CERTIFICATE_PAGE_SIZE)
		.offset((filter.page - 1) * CERTIFICATE_PAGE_SIZE);
	const [count] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(certificates)
		.innerJoin(users, eq(users.id, certificates.userId))
		.where(where);
	return {
		rows: rows.map((r) => ({
			...summarise(r, now),
			learnerName: r.learnerName,
			organisationName: r.organisationName
		})),
		total: count?.n ?? 0,
		page: filter.page,
		pageSize: CERTIFICATE_PAGE_SIZE
	};
}

// --- Revocation --------------------------------------------------------------------------------

const revokeSchema = z.object({ reason: reasonField });

/** Admins only: revokes with a reason, in the audit log. The certificate is kept; verification then says revoked. */
export async function revokeCertificate(
	db: Db,
	actor: AuthUser,
	rawCode: string,
	raw: unknown,
	now = new Date()
): Promise<void> {
	assertAdmin(actor);
	const { reason } = parseInput(revokeSchema, raw);
	const found = await findByCode(db, rawCode, now);
	if (!found) throw new NotFoundError('We could not find that certificate.');
	await db.transaction(async (tx) => {
		const [revoked] = await tx
			.update(certificates)
			.set({ revokedAt: now, revokedBy: actor.id, revokeReason: reason })
			.where(and(eq(certificates.id, found.id), isNull(certificates.revokedAt)))
			.returning({ id: certificates.id });
		if (!revoked) throw new ConflictError('This certificate has already been revoked.');
		await recordAudit(
			tx,
			{
				actorId: actor.id,
				action: 'certificate.revoked',
				targetType: 'certificate',
				targetId: found.id,
				organisationId: found.organisationId,
				reason,
				details: { code: found.code, courseTitle: found.courseTitle, learnerId: found.userId }
			},
			now
		);
	});
}

// --- Documents ---------------------------------------------------------------------------------

/** The origin that certificates point at: ORIGIN when set, else the one the request came to. */
export function publicOrigin(requestUrl: URL): string {
	return (config.origin ?? requestUrl.origin).replace(/\/$/, '');
}

function factsOf(row: CertificateRecord): CertificateFacts {
	return {
		id: row.id,
		code: row.code,
		courseId: row.courseId,
		learnerName: row.learnerName,
		courseTitle: row.courseTitle,
		partnershipName: row.partnershipName,
		completedAt: row.completedAt,
		issuedAt: row.issuedAt,
		expiresAt: row.expiresAt
	};
}

/** Once the holder is anonymised there is no name to print or sign; the code still verifies. */
function assertNamed(row: CertificateRecord): void {
	if (row.nameWithheldAt)
		throw new NotFoundError(
			'The holder of this certificate has been anonymised, so it can no longer be downloaded. Its code can still be checked at /verify.'
		);
}

export async function certificatePdf(
	db: Db,
	row: CertificateRecord,
	origin: string
): Promise<Uint8Array> {
	assertNamed(row);
	const branding = await brandingFor(db);
	// pdf-lib and qrcode (about 20 MB) are loaded with the first certificate PDF, not at start-up.
	const { renderCertificatePdf } = await import('./pdf.ts');
	return renderCertificatePdf({
		...factsOf(row),
		partnershipFullName: branding.fullName,
		brandColour: branding.brandColour,
		verifyUrl: verifyUrl(origin, row.code),
		keyId: row.keyId,
		signature: row.signature,
		signedPayload: canonicalJson(certificatePayload(factsOf(row)))
	});
}

/** The signed JSON credential, signed now with the current key. */
export async function certificateCredential(
	db: Db,
	row: CertificateRecord,
	origin: string,
	now = new Date()
) {
	assertNamed(row);
	const key = await db.transaction((tx) => currentSigningKey(tx, undefined, now));
	return addProof(buildCredential(factsOf(row), origin), key, origin, now);
}

export const downloadName = (code: string, extension: string) => `certificate-${code}.${extension}`;
