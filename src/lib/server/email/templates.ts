/**
 * Every email the platform sends is made here: a plain-text part and a simple, accessible HTML part
 * (real headings and paragraphs, a language, link text that says where it goes, the partnership's
 * name and colour in a band with enough contrast). Services pick a template; the outbox stores the
 * result and the worker sends it.
 */
export interface EmailBranding {
	name: string;
	colour: string;
}

export interface EmailAttachment {
	filename: string;
	contentType: string;
	/** the file's bytes, base64 */
	contentBase64: string;
}

/** What a template produces and the outbox stores. */
export interface RenderedEmail {
	subject: string;
	/** the plain-text part */
	body: string;
	html: string;
}

export interface EmailContent {
	subject: string;
	greeting?: string;
	/** Paragraphs; a paragraph that is only a URL becomes a link. Line breaks inside one are kept. */
	paragraphs: string[];
	/** a main link, shown as its own paragraph with this label in the HTML */
	action?: { label: string; url: string };
	footer?: string;
}

const escape = (s: string) =>
	s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const URL_ONLY = /^https?:\/\/\S+$/;

/** A readable band colour: the partnership's, when it is a valid hex colour dark enough for white text. */
function bandColour(hex: string): string {
	const m = /^#([0-9a-f]{6})$/i.exec(hex.trim());
	if (!m) return '#1d5f8a';
	const [r, g, b] = [0, 2, 4]
		.map((i) => parseInt(m[1]!.slice(i, i + 2), 16) / 255)
		.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
	const luminance = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
	return 1.05 / (luminance + 0.05) >= 4.5 ? hex : '#0b0c0c';
}

function paragraphHtml(p: string): string {
	if (URL_ONLY.test(p)) return `<p><a href="${escape(p)}">${escape(p)}</a></p>`;
	return `<p>${escape(p).replace(/\n/g, '<br>')}</p>`;
}

/** Addresses inside escaped text become links (a full stop or comma after one stays text). */
function linkAddresses(escaped: string, colour: string): string {
	return escaped.replace(
		/https?:\/\/[^\s<]+?(?=[.,;:)]?(?:\s|$))/g,
		(url) => `<a href="${url}" style="color:${colour}">${url}</a>`
	);
}

export function renderEmail(content: EmailContent, branding: EmailBranding): RenderedEmail {
	const parts = [
		content.greeting,
		...content.paragraphs,
		content.action?.url,
		content.footer
	].filter((p): p is string => Boolean(p));
	const body = parts.join('\n\n') + '\n';
	const colour = bandColour(branding.colour);
	const html = [
		'<!doctype html>',
		'<html lang="en-GB">',
		'<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
		`<title>${escape(content.subject)}</title></head>`,
		'<body style="margin:0;padding:0;background:#f3f2f1;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#0b0c0c">',
		'<div style="max-width:600px;margin:0 auto;background:#ffffff">',
		`<div style="background:${colour};color:#ffffff;padding:16px 24px;font-size:20px;font-weight:bold">${escape(branding.name)}</div>`,
		'<main style="padding:8px 24px 24px">',
		`<h1 style="font-size:24px;line-height:1.25">${escape(content.subject)}</h1>`,
		content.greeting ? paragraphHtml(content.greeting) : '',
		...content.paragraphs.map(paragraphHtml),
		content.action
			? `<p><a href="${escape(content.action.url)}" style="color:${colour};font-weight:bold;font-size:18px">${escape(content.action.label)}</a></p><p style="font-size:14px;color:#505a5f">Or copy this address into your browser: ${escape(content.action.url)}</p>`
			: '',
		content.footer
			? `<p style="font-size:14px;color:#505a5f">${linkAddresses(escape(content.footer), colour).replace(/\n/g, '<br>')}</p>`
			: '',
		'</main></div></body></html>'
	]
		.filter(Boolean)
		.join('\n');
	return { subject: content.subject, body, html };
}

/** HTML for a message that was written as plain text (paragraphs separated by blank lines). */
export function renderPlainText(
	subject: string,
	text: string,
	branding: EmailBranding
): RenderedEmail {
	const paragraphs = text
		.split(/\n{2,}/)
		.map((p) => p.trim())
		.filter(Boolean);
	return { ...renderEmail({ subject, paragraphs }, branding), body: text };
}

/**
 * The invitation: a link to choose a password, or, for someone whose organisation requires single
 * sign-on (`ssoSignIn`), a link that signs them in with their organisation's account.
 */
export function invitationEmail(
	name: string,
	link: string,
	branding: EmailBranding,
	ssoSignIn?: { organisationName: string; url: string }
): RenderedEmail {
	const footer = `If you were not expecting this, you can ignore this email. How we use your information: ${new URL('/privacy', link).href}`;
	if (ssoSignIn)
		return renderEmail(
			{
				subject: `You have been invited to ${branding.name} learning`,
				greeting: `Hello ${name},`,
				paragraphs: [
					`You have been given an account on the ${branding.name} training platform.`,
					`You sign in with your ${ssoSignIn.organisationName} account, the one you use at work: there is no separate password to choose. Sign in with your ${ssoSignIn.organisationName} account here:`
				],
				action: {
					label: `Sign in with your ${ssoSignIn.organisationName} account`,
					url: ssoSignIn.url
				},
				footer: `Later, sign in at ${new URL('/sign-in', link).href} with your work email address. ${footer}`
			},
			branding
		);
	return renderEmail(
		{
			subject: `You have been invited to ${branding.name} learning`,
			greeting: `Hello ${name},`,
			paragraphs: [
				`You have been given an account on the ${branding.name} training platform.`,
				'To choose your password and sign in, open this link within 7 days:'
			],
			action: { label: 'Choose your password', url: link },
			footer
		},
		branding
	);
}

export function passwordResetEmail(
	name: string,
	link: string,
	branding: EmailBranding
): RenderedEmail {
	return renderEmail(
		{
			subject: `Reset your ${branding.name} learning password`,
			greeting: `Hello ${name},`,
			paragraphs: [
				'Someone (we hope you) asked to reset your password. To choose a new one, open this link within 1 hour:'
			],
			action: { label: 'Choose a new password', url: link },
			footer:
				'The link works once. If you did not ask for this, you can ignore this email: your password has not changed.'
		},
		branding
	);
}

export function reminderEmail(
	firstName: string,
	subject: string,
	message: string,
	link: string,
	branding: EmailBranding
): RenderedEmail {
	return renderEmail(
		{
			subject,
			greeting: `Hello ${firstName},`,
			paragraphs: [message],
			action: { label: 'Open the course', url: link },
			footer:
				'You can turn off early reminders on your account page. Reminders about overdue training still come.'
		},
		branding
	);
}

export function digestEmail(
	firstName: string,
	overdue: number,
	lines: string,
	link: string,
	branding: EmailBranding
): RenderedEmail {
	return renderEmail(
		{
			subject: `Weekly training digest: ${overdue} overdue`,
			greeting: `Hello ${firstName},`,
			paragraphs: [
				'These people in your organisations have training that is overdue or has expired:',
				lines,
				'See the details and chase them up on your dashboard:'
			],
			action: { label: 'Open your dashboard', url: link }
		},
		branding
	);
}
