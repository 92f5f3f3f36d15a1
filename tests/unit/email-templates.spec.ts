import { describe, expect, it } from 'vitest';
import { invitationEmail, renderPlainText } from '../../src/lib/server/email/templates.ts';
import { withoutOneTimeLinks } from '../../src/lib/server/email/mailer.ts';

const brand = { name: 'Safer Kirklees', colour: '#1d5f8a' };

describe('email templates', () => {
	it('give a plain-text part and an accessible HTML part with the partnership name and colour', () => {
		const mail = invitationEmail(
			'Zoë <O’Brien> & co',
			'https://learning.example/invite/abcdefghijklmnopqrst',
			brand
		);
		expect(mail.subject).toBe('You have been invited to Safer Kirklees learning');
		expect(mail.body).toContain('Hello Zoë <O’Brien> & co,');
		expect(mail.body).toContain('https://learning.example/invite/abcdefghijklmnopqrst');
		expect(mail.html).toContain('<html lang="en-GB">');
		expect(mail.html).toContain('<title>You have been invited to Safer Kirklees learning</title>');
		expect(mail.html).toContain('<h1');
		expect(mail.html).toContain('background:#1d5f8a');
		expect(mail.html).toContain('>Safer Kirklees</div>');
		// Names are escaped, never markup.
		expect(mail.html).toContain('Hello Zoë &lt;O’Brien&gt; &amp; co,');
		expect(mail.html).not.toContain('<O’Brien>');
		// The link says what it does, and the address is there for copying.
		expect(mail.html).toContain('<a href="https://learning.example/invite/abcdefghijklmnopqrst"');
		expect(mail.html).toContain('>Choose your password</a>');
	});

	it('keep white text readable: a pale partnership colour gives way to near-black', () => {
		expect(
			invitationEmail('A', 'https://x.example/invite/abcdefghijklmnopqrst', {
				name: 'P',
				colour: '#ffee88'
			}).html
		).toContain('background:#0b0c0c');
	});

	it('turn a plain-text message into paragraphs and links', () => {
		const mail = renderPlainText(
			'A reminder',
			'Hello Sam,\n\nPlease finish the course.\n\nhttps://learning.example/courses/x',
			brand
		);
		expect(mail.body).toBe(
			'Hello Sam,\n\nPlease finish the course.\n\nhttps://learning.example/courses/x'
		);
		expect(mail.html).toContain('<p>Please finish the course.</p>');
		expect(mail.html).toContain(
			'<p><a href="https://learning.example/courses/x">https://learning.example/courses/x</a></p>'
		);
	});

	it('lose one-time links from both parts once delivered', () => {
		const mail = invitationEmail(
			'A',
			'https://learning.example/invite/abcdefghijklmnopqrst',
			brand
		);
		expect(withoutOneTimeLinks(mail.body)).not.toMatch(/invite\/[a-z2-7]{16,}/);
		expect(withoutOneTimeLinks(mail.html)).not.toMatch(/invite\/[a-z2-7]{16,}/);
	});
});
