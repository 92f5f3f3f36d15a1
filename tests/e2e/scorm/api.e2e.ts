import { expect, test } from '@playwright/test';
import { CONTENT_ORIGIN, baseUrl, pageAs, uploadPackage } from './support.ts';

/** The commit endpoint over HTTP, as the player and its beacon call it, and as attackers might. */
test('commit endpoint: JSON and text/plain beacon, origin check, other learners refused, replays and older commits ignored', async ({
	browser
}) => {
	const { slug } = await uploadPackage(
		browser,
		'RuntimeBasicCalls_SCORM12.zip',
		'Golf API (SCORM 1.2)'
	);
	const page = await pageAs(browser, 'scormApi');
	const other = await pageAs(browser, 'scormApiOther');
	const launchRes = await page.request.post('/api/scorm/launch', {
		headers: { origin: baseUrl },
		data: { slug, via: 'start' }
	});
	expect(launchRes.status()).toBe(200);
	const launch = (await launchRes.json()) as {
		launchId: string;
		token: string;
		sequenceBase: number;
		entry: string;
		contentUrl: string;
	};
	expect(launch.entry).toBe('ab-initio');
	expect(launch.contentUrl.startsWith(`${CONTENT_ORIGIN}/c/`)).toBe(true);
	const body = (seq: number, location: string, terminate = false) =>
		JSON.stringify({
			launchId: launch.launchId,
			token: launch.token,
			seq: launch.sequenceBase + seq,
			terminate,
			cmi: {
				cmi: { core: { lesson_status: 'incomplete', lesson_location: location, exit: 'suspend' } }
			}
		});
	const post = (p: typeof page, data: string, headers: Record<string, string>) =>
		p.request.post('/api/scorm/commit', { headers, data });
	const json = { origin: baseUrl, 'content-type': 'application/json' };
	const beacon = { origin: baseUrl, 'content-type': 'text/plain;charset=UTF-8' };

	const first = await post(page, body(1, 'p1'), json);
	expect(first.status()).toBe(200);
	expect(await first.json()).toMatchObject({ result: true, errorCode: 0, applied: true });
	const viaBeacon = await post(page, body(3, 'p3', true), beacon);
	expect(await viaBeacon.json()).toMatchObject({ result: true, applied: true });
	// replay, then an older commit arriving late: accepted without error, but nothing is overwritten
	expect(await (await post(page, body(3, 'p3', true), beacon)).json()).toMatchObject({
		result: true,
		applied: false,
		duplicate: true
	});
	expect(await (await post(page, body(2, 'p2'), json)).json()).toMatchObject({
		result: true,
		applied: false,
		stale: true
	});

	// another learner's session cannot write this attempt, even with its token
	const stolen = await post(other, body(4, 'stolen'), json);
	expect(stolen.status()).toBe(403);
	expect(await stolen.json()).toMatchObject({ result: false, errorCode: 101 });
	// only the platform's own pages may call it: no Origin, the content origin, or another site are refused
	expect((await post(page, body(5, 'x'), { 'content-type': 'application/json' })).status()).toBe(
		403
	);
	expect(
		(
			await post(page, body(5, 'x'), { origin: CONTENT_ORIGIN, 'content-type': 'application/json' })
		).status()
	).toBe(403);
	expect(
		(
			await post(page, body(5, 'x'), {
				origin: 'https://evil.example',
				'content-type': 'text/plain'
			})
		).status()
	).toBe(403);
	expect(
		(
			await post(page, body(5, 'x'), {
				origin: baseUrl,
				'content-type': 'application/x-www-form-urlencoded'
			})
		).status()
	).toBe(415);
	expect((await post(page, '{not json', json)).status()).toBe(400);
	// signed out: refused before anything else
	const anonymous = await browser.newContext();
	expect(
		(
			await anonymous.request.post(`${baseUrl}/api/scorm/commit`, {
				headers: json,
				data: body(6, 'x')
			})
		).status()
	).toBe(401);
	await anonymous.close();

	// the next launch resumes from the newest commit (p3), not the late one (p2)
	const again = (await (
		await page.request.post('/api/scorm/launch', { headers: { origin: baseUrl }, data: { slug } })
	).json()) as { entry: string; sequenceBase: number; cmi: { core: { lesson_location: string } } };
	expect(again.entry).toBe('resume');
	expect(again.sequenceBase).toBe(2_000_000);
	expect(again.cmi.core.lesson_location).toBe('p3');
	await page.context().close();
	await other.context().close();
});
