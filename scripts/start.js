// Starts the built app. adapter-node assumes https when ORIGIN is unset, which would make browsers'
// form posts fail its CSRF check on a plain http://localhost quick start; default ORIGIN to that.
process.env.ORIGIN ||= `http://localhost:${process.env.PORT || 3000}`;
await import('../build/index.js');
