import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
	to: string[];
	raw: string;
	subject: string;
}

/**
 * A real SMTP server on a free local port that keeps what it receives, for tests. With
 * `refuseFirst`, it answers each recipient's first deliveries with a temporary failure (451), or a
 * permanent one (550) with `refuseWith: 550`; `refused` counts the refusals.
 */
export async function startTestSmtp(
	options: { refuseFirst?: number; refuseWith?: 451 | 550; port?: number } = {}
) {
	const received: ReceivedMail[] = [];
	const attempts = new Map<string, number>();
	let refused = 0;
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		onRcptTo(address, _session, callback) {
			const n = (attempts.get(address.address) ?? 0) + 1;
			attempts.set(address.address, n);
			if (n <= (options.refuseFirst ?? 0)) {
				refused++;
				const code = options.refuseWith ?? 451;
				return callback(
					Object.assign(
						new Error(code === 451 ? 'Mailbox busy, try again later' : 'No such mailbox here'),
						{ responseCode: code }
					)
				);
			}
			callback();
		},
		onData(stream, session, callback) {
			let raw = '';
			stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
			stream.on('end', () => {
				// Long headers are folded onto continuation lines; unfold before reading the subject.
				const subject =
					/^Subject: (.*)$/m.exec(raw.replace(/\r?\n[ \t]+/g, ' '))?.[1]?.trim() ?? '';
				received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, subject });
				callback();
			});
		}
	});
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const port = (server.server.address() as AddressInfo).port;
	return {
		url: `smtp://127.0.0.1:${port}`,
		received,
		refused: () => refused,
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}
