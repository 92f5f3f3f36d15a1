/**
 * The player's side of the runtime bridge (platform origin). It frames the wrapper page from the
 * content origin in a sandbox without top navigation, hands it the launch data by postMessage
 * (checking origin and source both ways), and turns the state the wrapper reports into commits:
 * fetch while the page is open, one sendBeacon (text/plain) when it is closed. Commits carry the
 * launch's token and a rising sequence number; only the newest state is ever queued.
 */
export interface LaunchInfo {
	launchId: string;
	token: string;
	sequenceBase: number;
	scormVersion: string;
	kind: 'sco' | 'asset';
	entry: 'ab-initio' | 'resume';
	cmi: Record<string, unknown> | null;
	contentUrl: string;
	item: { identifier: string; title: string };
	courseCompleted: boolean;
}

export type SaveStatus = { state: 'idle' | 'saving' | 'saved' | 'error'; message: string };

interface Commit {
	launchId: string;
	token: string;
	seq: number;
	cmi: Record<string, unknown>;
	terminate: boolean;
}

export interface SessionEvents {
	status(status: SaveStatus): void;
	/** the SCO called LMSInitialize/Initialize (or, for an asset, the page was shown) */
	initialized(): void;
	/** the SCO finished (LMSFinish/Terminate), with its navigation request if any */
	finished(navRequest: string | null): void;
	/** the server says the whole course is now complete */
	courseCompleted(): void;
	error(message: string): void;
}

export const SANDBOX =
	'allow-scripts allow-same-origin allow-forms allow-popups allow-modals allow-downloads';

export class PlayerSession {
	private counter = 0;
	private latest: Commit | null = null;
	private acknowledged = 0;
	private inFlight: Promise<void> | null = null;
	private retryTimer: ReturnType<typeof setTimeout> | undefined;
	private failures = 0;
	private unloadWaiter: ((finished: boolean) => void) | null = null;
	private frame: HTMLIFrameElement | null = null;
	private ended = false;
	private launchPosted = false;
	/** the SCO has called LMSInitialize/Initialize and not yet LMSFinish/Terminate: it holds unsaved state */
	private scoRunning = false;
	/** set while the player itself is ending the SCO: its navigation requests are then not acted on */
	private leaving = false;
	/** the one leave in progress: "Save and exit" during a move to the next part waits for the same */
	private leavingDone: Promise<void> | null = null;
	readonly info: LaunchInfo;

	constructor(
		info: LaunchInfo,
		private readonly contentOrigin: string,
		private readonly events: SessionEvents
	) {
		this.info = info;
		window.addEventListener('message', this.onMessage);
		window.addEventListener('pagehide', this.onPageHide);
	}

	/** Where the wrapper page lives, to put in the iframe's src. */
	get wrapperUrl(): string {
		return `${this.contentOrigin}/player/wrapper.html`;
	}

	attach(frame: HTMLIFrameElement): void {
		this.frame = frame;
	}

	/** The wrapper page has loaded: give it the launch, in case its "ready" came before we listened. */
	frameLoaded(): void {
		this.postLaunch();
	}

	private postLaunch(): void {
		if (this.launchPosted || !this.frame) return;
		this.launchPosted = true;
		this.post({
			type: 'scorm:launch',
			version: this.info.scormVersion,
			kind: this.info.kind,
			cmi: this.info.cmi,
			contentUrl: this.info.contentUrl
		});
	}

	private post(message: Record<string, unknown>): void {
		this.frame?.contentWindow?.postMessage(message, this.contentOrigin);
	}

	private onMessage = (event: MessageEvent) => {
		if (
			event.origin !== this.contentOrigin ||
			!this.frame ||
			event.source !== this.frame.contentWindow
		)
			return;
		const message = (event.data ?? {}) as Record<string, unknown>;
		switch (message.type) {
			case 'scorm:ready':
				this.postLaunch();
				break;
			case 'scorm:state': {
				if (this.ended || !message.cmi || typeof message.cmi !== 'object') return;
				const terminate = message.terminate === true;
				if (terminate) this.scoRunning = false;
				this.queue(message.cmi as Record<string, unknown>, terminate);
				if (terminate && !this.leaving) {
					const nav = typeof message.navRequest === 'string' ? message.navRequest : null;
					void this.flush().then(() => this.events.finished(nav && nav !== '_none_' ? nav : null));
				}
				break;
			}
			case 'scorm:initialized':
				this.scoRunning = true;
				this.events.initialized();
				break;
			case 'scorm:started':
				if (this.info.kind === 'asset') this.events.initialized();
				break;
			case 'scorm:unloaded':
				this.unloadWaiter?.(message.finished === true);
				this.unloadWaiter = null;
				break;
			case 'scorm:error':
				this.events.error(
					typeof message.message === 'string'
						? message.message.slice(0, 200)
						: 'The course content reported a problem.'
				);
				break;
		}
	};

	private queue(cmi: Record<string, unknown>, terminate: boolean): void {
		this.counter += 1;
		this.latest = {
			launchId: this.info.launchId,
			token: this.info.token,
			seq: this.info.sequenceBase + this.counter,
			cmi,
			terminate: terminate || Boolean(this.latest?.terminate && this.latest.seq > this.acknowledged)
		};
		void this.flush();
	}

	/** Sends the newest state if it has not been stored yet; resolves when nothing is left to send. */
	flush(): Promise<void> {
		if (this.inFlight) return this.inFlight.then(() => this.flush());
		const commit = this.latest;
		if (!commit || commit.seq <= this.acknowledged) return Promise.resolve();
		clearTimeout(this.retryTimer);
		this.events.status({ state: 'saving', message: 'Saving your progress…' });
		this.inFlight = (async () => {
			try {
				const res = await fetch('/api/scorm/commit', {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(commit),
					credentials: 'same-origin'
				});
				const body = (await res.json().catch(() => ({}))) as {
					result?: boolean;
					courseCompleted?: boolean;
					message?: string;
				};
				if (!res.ok || body.result !== true) {
					if (res.status === 401 || res.status === 403) {
						this.ended = true;
						this.events.status({
							state: 'error',
							message: `Your progress could not be saved: ${body.message ?? 'you may have been signed out'}. Sign in again and reopen the course.`
						});
						return;
					}
					throw new Error(body.message ?? `status ${res.status}`);
				}
				this.acknowledged = Math.max(this.acknowledged, commit.seq);
				this.failures = 0;
				this.events.status({
					state: 'saved',
					message: `Progress saved at ${new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}.`
				});
				if (body.courseCompleted) this.events.courseCompleted();
			} catch {
				this.failures += 1;
				const wait = Math.min(30, 2 ** this.failures);
				this.events.status({
					state: 'error',
					message: `Your progress could not be saved (no connection?). Trying again in ${wait} seconds — please keep this page open.`
				});
				this.retryTimer = setTimeout(() => void this.flush(), wait * 1000);
			} finally {
				this.inFlight = null;
			}
		})();
		return this.inFlight.then(() =>
			this.latest && this.latest.seq > this.acknowledged && this.failures === 0
				? this.flush()
				: undefined
		);
	}

	/**
	 * Ends the SCO properly (it gets its unload, so it can call LMSFinish), then saves. Each wait is
	 * bounded: the SCO's unload normally takes a fraction of a second (the cap is for a stuck one),
	 * and the save gets a moment before whatever is not stored yet goes by beacon, which outlives
	 * the page. A SCO that never started, or has already finished, holds nothing more to wait for.
	 */
	leave(): Promise<void> {
		this.leavingDone ??= this.end();
		return this.leavingDone;
	}

	private async end(unloadWaitMs = 3000, saveWaitMs = 1500): Promise<void> {
		this.leaving = true;
		if (this.frame && !this.ended && this.scoRunning) {
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, unloadWaitMs);
				this.unloadWaiter = () => {
					clearTimeout(timer);
					resolve();
				};
				this.post({ type: 'scorm:unload' });
			});
		}
		await Promise.race([this.flush(), new Promise((r) => setTimeout(r, saveWaitMs))]);
		this.onPageHide();
		this.dispose();
	}

	/** The page is going away: whatever is not stored yet goes by beacon, which outlives the page. */
	private onPageHide = () => {
		const commit = this.latest;
		if (!commit || commit.seq <= this.acknowledged || this.ended) return;
		const body = new Blob([JSON.stringify(commit)], { type: 'text/plain;charset=UTF-8' });
		if (navigator.sendBeacon('/api/scorm/commit', body)) this.acknowledged = commit.seq;
	};

	dispose(): void {
		this.ended = true;
		clearTimeout(this.retryTimer);
		window.removeEventListener('message', this.onMessage);
		window.removeEventListener('pagehide', this.onPageHide);
	}
}

/** Asks the platform to launch a part of the course. */
export async function requestLaunch(body: {
	slug: string;
	item?: string;
	via: string;
	from?: string;
}): Promise<LaunchInfo> {
	const res = await fetch('/api/scorm/launch', {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
		credentials: 'same-origin'
	});
	const data = (await res.json().catch(() => ({}))) as Partial<LaunchInfo> & {
		result?: boolean;
		message?: string;
	};
	if (!res.ok || data.result !== true)
		throw new Error(data.message ?? 'The course could not be opened. Please try again.');
	return data as LaunchInfo;
}
