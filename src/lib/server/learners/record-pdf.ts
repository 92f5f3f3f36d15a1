import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { AuthUser } from '../auth/sessions.ts';
import { drawable } from '../certificates/pdf.ts';
import { formatDate } from '../../format.ts';
import type { myProfile, RecordRow } from './record.ts';

// Its own module, so that pdf-lib is loaded with the first record PDF, not with the account page.
/** The record of learning as a tagged-title A4 PDF: who, where, and each completion. */
export async function recordPdf(
	learner: AuthUser,
	profile: Awaited<ReturnType<typeof myProfile>>,
	rows: RecordRow[],
	partnershipName: string,
	now = new Date()
) {
	const doc = await PDFDocument.create();
	doc.setTitle(`Record of learning: ${learner.name}`, { showInWindowTitleBar: true });
	doc.setLanguage('en-GB');
	doc.setAuthor(partnershipName);
	doc.setCreator('Safer Learning');
	const regular = await doc.embedFont(StandardFonts.Helvetica);
	const bold = await doc.embedFont(StandardFonts.HelveticaBold);
	const [W, H] = [595.28, 841.89];
	let page = doc.addPage([W, H]);
	let y = H - 60;
	const write = (text: string, size: number, font = regular, gap = 6) => {
		if (y < 60) {
			page = doc.addPage([W, H]);
			y = H - 60;
		}
		page.drawText(drawable(text, font), {
			x: 50,
			y,
			size,
			font,
			color: rgb(0.04, 0.05, 0.05),
			maxWidth: W - 100
		});
		y -= size + gap;
	};
	write('Record of learning', 22, bold, 12);
	write(
		`${learner.name}, ${profile.organisationName}${profile.teamName ? `, ${profile.teamName}` : ''}`,
		12
	);
	write(`${partnershipName}. Produced on ${formatDate(now)}.`, 10, regular, 18);
	if (!rows.length) write('No completed training yet.', 12);
	for (const r of rows) {
		write(`${r.courseTitle}${r.withdrawn ? ' (withdrawn)' : ''}`, 12, bold, 4);
		write(
			`Completed on ${formatDate(r.completedAt)}. ${r.how}${r.scorePercent !== null ? `, ${r.scorePercent}%` : ''}.`,
			10,
			regular,
			4
		);
		write(
			r.certificateCode
				? `Certificate ${r.certificateCode}${r.validUntil ? `, valid until ${formatDate(r.validUntil)}` : ''}.`
				: 'No certificate.',
			10,
			regular,
			14
		);
	}
	return doc.save();
}
