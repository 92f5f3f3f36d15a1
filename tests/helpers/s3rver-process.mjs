// A real S3-compatible server (s3rver) in its own process, for tests: prints "listening <port>".
// s3rver's continuation tokens use DES, so this process runs with --openssl-legacy-provider.
import S3rver from 's3rver';

const [directory, bucket, port] = process.argv.slice(2);
const server = new S3rver({
	address: '127.0.0.1',
	port: Number(port ?? 0),
	silent: true,
	directory,
	configureBuckets: [{ name: bucket }]
});
const { port: actual } = await server.run();
process.stdout.write(`listening ${actual}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
