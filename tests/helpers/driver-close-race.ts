// Run by tests/integration/postgres-driver.pg.spec.ts in its own process: a reserved connection
// whose socket is cut (through a TCP proxy) is asked for one more small query.
import postgres from 'postgres';
import { startTcpProxy } from '../e2e/support/tcp-proxy.ts';

const target = new URL(process.env.RACE_DATABASE_URL!);
const proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
const via = new URL(target);
via.host = `127.0.0.1:${proxy.port}`;
const sql = postgres(via.toString(), { max: 2, onnotice: () => {} });
const reserved = await sql.reserve();
await reserved`select 1`;
proxy.cut();
await new Promise((resolve) => setTimeout(resolve, 100));
try {
	await reserved`select 2`;
	console.log('answered after the cut');
} catch (e) {
	console.log('rejected', (e as { code?: string }).code);
}
proxy.restore();
const [row] = await sql`select 3 as x`;
if (row?.x === 3) console.log('pool still answers');
await sql.end({ timeout: 1 });
await proxy.close();
