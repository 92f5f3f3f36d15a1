// Starts the built app. adapter-node assumes https when ORIGIN is unset, which would make browsers'
// form posts fail its CSRF check on a plain http://localhost quick start; default ORIGIN to that.
process.env.ORIGIN ||= `http://localhost:${process.env.PORT || 3000}`;
// adapter-node refuses bodies over BODY_SIZE_LIMIT (512K by default) before the app sees them;
// SCORM uploads need room for the largest package accepted. Forms check their own, smaller limit.
process.env.BODY_SIZE_LIMIT ||= `${Number(process.env.SCORM_MAX_UPLOAD_MB || 200) + 10}M`;
await import('../build/index.js');
