import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
	to: string[];
	raw: string;
	subject: string;
}

/** A real SMTP server on a free local port that keeps what it receives, for tests. */
export async function startTestSmtp() {
	const received: ReceivedMail[] = [];
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		onData(stream, session, callback) {
			let raw = '';
			stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
			stream.on('end', () => {
				// Long headers are folded onto continuation lines; unfold before reading the subject.
				const subject = /^Subject: (.*)$/m.exec(raw.replace(/\r?\n[ \t]+/g, ' '))?.[1]?.trim() ?? '';
				received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, subject });
				callback();
			});
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.server.address() as AddressInfo).port;
	return {
		url: `smtp://127.0.0.1:${port}`,
		received,
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}
