// Starts the built app. adapter-node assumes https when ORIGIN is unset, which would make browsers'
// form posts fail its CSRF check on a plain http://localhost quick start; default ORIGIN to that,
// but never in production, where the app refuses to start without it (links would point at localhost).
if (process.env.NODE_ENV !== 'production')
	process.env.ORIGIN ||= `http://localhost:${process.env.PORT || 3000}`;
// adapter-node refuses bodies over BODY_SIZE_LIMIT (512K by default) before the app sees them;
// SCORM uploads need room for the largest package accepted. Forms check their own, smaller limit.
process.env.BODY_SIZE_LIMIT ||= `${Number(process.env.SCORM_MAX_UPLOAD_MB || 200) + 10}M`;
// Two V8 settings bound the memory under load (docs/benchmarks.md, "A lean process"):
// - the young generation would grow to 3 × 16 MB of mostly short-lived garbage; 4 MB semi-spaces
//   (2 MB made objects that live for one page outlive their scavenge: 20% more CPU on the heavier
//   pages for 5 MB less at rest; docs/benchmarks.md, issue 13);
// - after each full collection V8 lets the old generation grow by a factor of up to several times
//   what survived, so at a high request rate (little live data, much garbage promoted) the heap
//   grew to about 300 MB; letting it grow by 20% keeps it near what is live (peak about 180 MB at
//   the bench's load), with more frequent, concurrent full collections and no loss of throughput
//   beyond noise.
// Both are fixed when V8 starts, so the process replaces itself once (same pid, no second process)
// with the flags it was not already given (command line or NODE_OPTIONS).
const V8_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=20'];
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
const missing = V8_FLAGS.filter((flag) => !given.some((a) => a.startsWith(flag.split('=')[0])));
if (typeof process.execve === 'function' && missing.length) {
	process.execve(
		process.execPath,
		[process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)],
		process.env
	);
}
// V8's compiled code for the server bundle is kept on disk (under the system's temporary directory,
// or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so a restart skips compiling
// about 0.2 s of JavaScript. Entries are keyed by each file's contents: a new build is compiled once.
// Node writes the cache at a clean exit; it is also written once the server is listening and again
// after the first minute's pages (route code loads with its first request), so a crash loses little.
const { enableCompileCache, flushCompileCache } = await import('node:module');
enableCompileCache?.();
await import('../build/index.js');
flushCompileCache?.();
setTimeout(() => flushCompileCache?.(), 60_000).unref();
