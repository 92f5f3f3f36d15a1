import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that a test can cut and restore, to see what the app does
 * while its database is unreachable without stopping the shared server.
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1') {
	const sockets = new Set<net.Socket>();
	let open = true;
	const server = net.createServer((client) => {
		if (!open) return client.destroy();
		const upstream = net.connect(targetPort, targetHost);
		sockets.add(client).add(upstream);
		client.pipe(upstream).pipe(client);
		const close = () => {
			client.destroy();
			upstream.destroy();
			sockets.delete(client);
			sockets.delete(upstream);
		};
		client.on('error', close).on('close', close);
		upstream.on('error', close).on('close', close);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	return {
		port,
		cut() {
			open = false;
			for (const s of sockets) s.destroy();
			sockets.clear();
		},
		restore() {
			open = true;
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}
