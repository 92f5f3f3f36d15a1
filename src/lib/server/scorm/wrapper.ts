/**
 * The runtime wrapper page, served by the content server on the content origin. SCORM content
 * finds its API by walking `window.parent` and calls it synchronously, so scorm-again must live in
 * a window of the same origin as the content: this page. It holds one fresh API instance per launch
 * and talks to the platform's player page only by postMessage, checking the origin both ways.
 * It never makes a network request itself: the player page commits to the platform.
 */
export const WRAPPER_HTML = `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Course content</title>
<link rel="stylesheet" href="/player/wrapper.css">
<script type="module" src="/player/wrapper.js"></script>
</head>
<body>
<iframe id="sco" title="Course content" allow="fullscreen; autoplay"></iframe>
</body>
</html>
`;

export const WRAPPER_CSS = `html, body { margin: 0; height: 100%; overflow: hidden; background: #fff; }
iframe { border: 0; display: block; width: 100%; height: 100%; }
`;

/** The wrapper script; `appOrigin` is written in as a JSON string literal. */
export function wrapperScript(appOrigin: string): string {
	return `// Safer Learning SCORM runtime wrapper (content origin). See src/lib/server/scorm/wrapper.ts.
const APP_ORIGIN = ${JSON.stringify(appOrigin)};
const frame = document.getElementById('sco');
let api = null;
let initialized = false;
let finished = false;
let launched = false;
let navRequest = null;
let changeTimer = null;

function send(message) {
	window.parent.postMessage(message, APP_ORIGIN);
}

function snapshot(reason, terminate) {
	if (!api) return;
	clearTimeout(changeTimer);
	changeTimer = null;
	let cmi;
	try {
		cmi = JSON.parse(JSON.stringify(api.renderCMIToJSONObject()));
	} catch (e) {
		send({ type: 'scorm:error', message: 'The course data could not be read.' });
		return;
	}
	send({ type: 'scorm:state', reason, terminate: Boolean(terminate), navRequest: terminate ? navRequest : null, cmi });
}

function scheduleChange() {
	clearTimeout(changeTimer);
	changeTimer = setTimeout(() => snapshot('change', false), 250);
}

async function launch(message) {
	const url = new URL(String(message.contentUrl), location.href);
	if (url.origin !== location.origin || !url.pathname.startsWith('/c/')) {
		send({ type: 'scorm:error', message: 'The content address is not valid.' });
		return;
	}
	if (message.kind === 'sco') {
		const twelve = message.version === '1.2';
		const mod = await import(twelve ? '/player/scorm12.js' : '/player/scorm2004.js');
		const Api = twelve ? mod.Scorm12API : mod.Scorm2004API;
		const settings = { lmsCommitUrl: false, autocommit: false, logLevel: 5, mastery_override: true, autoProgress: false };
		api = new Api(settings);
		try {
			api.loadFromJSON(message.cmi);
		} catch (e) {
			// Stored collections that no longer validate must not stop the learner: load the rest.
			const cmi = Object.assign({}, message.cmi);
			delete cmi.interactions;
			delete cmi.objectives;
			delete cmi.comments_from_learner;
			api = new Api(settings);
			api.loadFromJSON(cmi);
		}
		api.on(twelve ? 'LMSInitialize' : 'Initialize', () => {
			initialized = true;
			send({ type: 'scorm:initialized' });
		});
		api.on(twelve ? 'LMSSetValue.cmi.*' : 'SetValue.cmi.*', scheduleChange);
		if (!twelve) api.on('SetValue.adl.nav.request', (_element, value) => { navRequest = String(value); });
		api.on(twelve ? 'LMSCommit' : 'Commit', () => snapshot('commit', false));
		api.on(twelve ? 'LMSFinish' : 'Terminate', () => {
			finished = true;
			snapshot('finish', true);
		});
		if (twelve) window.API = api;
		else window.API_1484_11 = api;
	}
	frame.src = url.href;
	send({ type: 'scorm:started' });
}

function unload() {
	frame.addEventListener('load', () => {
		if (api && initialized && !finished) snapshot('abandon', false);
		send({ type: 'scorm:unloaded', finished });
	}, { once: true });
	frame.src = 'about:blank';
}

window.addEventListener('message', (event) => {
	if (event.origin !== APP_ORIGIN || event.source !== window.parent) return;
	const message = event.data || {};
	if (message.type === 'scorm:launch' && !launched) {
		launched = true;
		launch(message).catch(() => send({ type: 'scorm:error', message: 'The course could not be started.' }));
	} else if (message.type === 'scorm:unload') unload();
	else if (message.type === 'scorm:flush') snapshot('flush', false);
});

send({ type: 'scorm:ready' });
`;
}
