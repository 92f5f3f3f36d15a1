/** A small, self-contained page for when the database is down: it must not need the database. */
export function unavailableResponse(request: Request, url: URL): Response {
	const accept = request.headers.get('accept') ?? '';
	// Machine endpoints (the SCORM runtime, the health check) always answer JSON.
	const wantsJson =
		url.pathname.startsWith('/api/') ||
		url.pathname === '/healthz' ||
		(accept.includes('application/json') && !accept.includes('text/html'));
	const headers = { 'Retry-After': '30', 'Cache-Control': 'no-store' };
	if (wantsJson)
		return Response.json(
			{ status: 'unavailable', message: 'The service is temporarily unavailable.' },
			{ status: 503, headers }
		);
	const html = `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Service temporarily unavailable</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#0b0c0c}h1{font-size:1.75rem}</style>
</head><body><main><h1>Sorry, the service is temporarily unavailable</h1>
<p>We cannot reach our database at the moment. Nothing you have already saved has been lost.</p>
<p>Please try again in a few minutes.</p></main></body></html>`;
	return new Response(html, {
		status: 503,
		headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' }
	});
}
