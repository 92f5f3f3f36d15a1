import { expect, test, type Page } from '@playwright/test';
import postgres from 'postgres';
import ical from 'node-ical';
import {
	expectAccessible,
	expectAccessibleAtPhoneWidth,
	fillDateInput,
	pageAs,
	signInAs
} from '../support/helpers.ts';
import { WORLD } from '../support/world.ts';

/**
 * The whole cycle of a face-to-face event in the browser: an organiser creates it, one person
 * books the only place, the next joins the waiting list, the first cancels and the second is
 * promoted, the day comes, the trainer marks the register, the course is completed with its
 * certificate, and the dashboards count it. Every new page passes axe, at 320 px too.
 *
 * The day of the event "arrives" by moving its sessions into the past in the database (the app
 * reads the real clock), hence PostgreSQL only.
 */
const COURSE = 'Recognising the signs of abuse and reporting concerns';
const TITLE = `MARAC and risk assessment workshop ${Date.now().toString(36)}`;

const ukDate = (daysAhead: number) =>
	new Date(Date.now() + daysAhead * 86_400_000).toLocaleDateString('en-CA', {
		timeZone: 'Europe/London'
	});

class EventPage {
	constructor(readonly page: Page) {}
	async open(title: string) {
		await this.page.goto('/events');
		await this.page.getByRole('link', { name: title }).click();
		await expect(this.page.getByRole('heading', { level: 1, name: title })).toBeVisible();
	}
}

test('create, book, wait, promote, cancel, attend, complete, certificate, dashboard', async ({
	browser
}) => {
	test.setTimeout(180_000);
	const organiser = await pageAs(browser, 'councilManager');

	// Create: a problem is summarised at the top and beside the field.
	await organiser.goto('/manage/events');
	await expectAccessible(organiser);
	await organiser.getByRole('link', { name: 'Create an event' }).click();
	await expectAccessible(organiser);
	await organiser.getByRole('button', { name: 'Create event' }).click();
	const summary = organiser.getByTestId('error-summary');
	await expect(summary).toBeFocused();
	await expect(summary).toContainText('Enter a title');
	await expect(summary).toContainText('Enter at least one session');
	await organiser.getByLabel('Title').fill(TITLE);
	await organiser.getByLabel('Counts for the course (optional)').selectOption({ label: COURSE });
	await organiser.getByLabel('Run by').selectOption({ label: 'Kirklees Council' });
	await organiser.getByLabel('Places').fill('1');
	await fillDateInput(organiser, 'Booking opens', ukDate(-1));
	await fillDateInput(organiser, 'Booking closes', ukDate(9));
	await organiser.getByLabel('Learners may cancel until (hours before the start)').fill('24');
	await organiser
		.getByLabel('Ask about access needs and dietary requirements (deleted soon after the event)')
		.check();
	await organiser.getByLabel('Trainers’ email addresses (optional)').fill(WORLD.eventTrainer.email);
	const s1 = organiser.getByRole('group', { name: 'Session 1' });
	await fillDateInput(s1, 'Date', ukDate(10));
	await s1.getByLabel('Starts (UK time)').fill('09:30');
	await s1.getByLabel('Ends (UK time)').fill('16:00');
	await s1.getByLabel('Venue', { exact: true }).fill('Huddersfield Town Hall');
	await s1.getByLabel('Venue address').fill('Ramsden Street, Huddersfield HD1 2TA');
	await organiser.getByRole('button', { name: 'Create event' }).click();
	await expect(organiser.getByRole('status')).toContainText('Event created');
	await expect(organiser.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
	await expectAccessibleAtPhoneWidth(organiser);
	const manageUrl = organiser.url();
	await organiser.getByRole('link', { name: 'Change the event' }).click();
	await expect(organiser.getByLabel('Title')).toHaveValue(TITLE);
	await expectAccessible(organiser);

	// Book: the only place.
	const first = await pageAs(browser, 'eventFirst');
	await first.goto('/events');
	await expect(first.getByRole('link', { name: TITLE })).toBeVisible();
	await expectAccessibleAtPhoneWidth(first);
	await new EventPage(first).open(TITLE);
	await first.getByLabel('Access needs or dietary requirements (optional)').fill('Vegetarian');
	await first.getByRole('button', { name: 'Book a place' }).click();
	await expect(first.getByRole('status')).toContainText('You have a place');
	await expectAccessibleAtPhoneWidth(first);

	// Wait: the event is full, so the next person joins the waiting list (without JavaScript).
	const waiter = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
	await signInAs(waiter, 'eventWaiter');
	await new EventPage(waiter).open(TITLE);
	await waiter.getByRole('button', { name: 'Join the waiting list' }).click();
	await expect(waiter.getByRole('status')).toContainText('number 1 on the waiting list');

	// Cancel and promote: the freed place goes to the first person waiting, who is emailed.
	await first.reload();
	await first.getByRole('button', { name: 'Cancel my booking' }).click();
	await expect(first.getByRole('status')).toContainText('Your booking is cancelled');
	await waiter.reload();
	await expect(waiter.getByText('You have a place.')).toBeVisible();
	const ics = await waiter.request.get(
		(await waiter.getByRole('link', { name: /Add it to your calendar/ }).getAttribute('href')) ?? ''
	);
	expect(ics.headers()['content-type']).toContain('text/calendar');
	const parsed = ical.sync.parseICS(await ics.text());
	expect(Object.values(parsed).filter((c) => c?.type === 'VEVENT')).toHaveLength(1);
	const admin = await pageAs(browser, 'admin');
	await admin.goto('/admin/outbox');
	await expect(admin.getByRole('heading', { name: `A place came free: ${TITLE}` })).toBeVisible();
	await expect(admin.getByRole('heading', { name: `Booking cancelled: ${TITLE}` })).toBeVisible();

	// The organiser sees the booking in order, and attendance per organisation.
	await organiser.goto(manageUrl);
	await expect(
		organiser.getByRole('row', { name: new RegExp(`${WORLD.eventWaiter.name}.*Booked`) })
	).toBeVisible();
	await expect(
		organiser.getByRole('row', { name: new RegExp(`${WORLD.eventFirst.name}.*Cancelled`) })
	).toBeVisible();

	// The day comes.
	const eventId = manageUrl.split('/').pop()!.split('?')[0]!;
	const sql = postgres(process.env.E2E_DATABASE_URL!, { max: 1, onnotice: () => {} });
	try {
		await sql`update event_sessions set starts_at = now() - interval '7 hours', ends_at = now() - interval '1 hour' where event_id = ${eventId}`;
	} finally {
		await sql.end();
	}

	// Attend: the trainer marks the register on a phone, by keyboard, without JavaScript, and the course is completed.
	const trainer = await (
		await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 700 } })
	).newPage();
	await signInAs(trainer, 'eventTrainer');
	await trainer.getByRole('link', { name: 'Registers' }).click();
	await trainer.getByRole('link', { name: TITLE }).click();
	await expect(
		trainer.getByRole('heading', { level: 1, name: `Register: ${TITLE}` })
	).toBeVisible();
	// axe needs JavaScript in the page, so it checks the same pages in a second, ordinary browser.
	const checker = await pageAs(browser, 'eventTrainer');
	await checker.goto('/trainer');
	await expectAccessible(checker);
	await checker.goto(trainer.url());
	await expectAccessibleAtPhoneWidth(checker);
	const row = trainer.getByRole('group', { name: new RegExp(WORLD.eventWaiter.name) });
	await row.getByLabel('Attended', { exact: true }).focus();
	await trainer.keyboard.press('Space');
	await expect(row.getByLabel('Attended', { exact: true })).toBeChecked();
	await trainer.getByRole('button', { name: /Save attendance/ }).click();
	await expect(trainer.getByRole('status')).toContainText('1 person has now completed the course');

	// Correcting a saved mark needs a reason.
	await row.getByLabel('Partly attended').check();
	await trainer.getByRole('button', { name: /Save attendance/ }).click();
	await expect(trainer.getByTestId('error-summary')).toContainText(
		'Enter a reason for correcting attendance'
	);
	await row.getByLabel('Attended', { exact: true }).check();
	await trainer.getByRole('button', { name: /Save attendance/ }).click();
	await expect(trainer.getByRole('status')).toContainText('Attendance saved');

	// Complete and certificate.
	await waiter.goto('/certificates');
	await expect(waiter.getByRole('heading', { name: COURSE })).toBeVisible();

	// Dashboards: attendance per organisation for the organiser, completions by route for the partnership.
	await organiser.goto(manageUrl);
	await expect(
		organiser
			.getByRole('table', { name: 'Attendance and no-shows by organisation' })
			.getByRole('row', { name: /West Yorkshire Police/ })
	).toContainText('1');
	await admin.goto('/admin/partnership');
	const byRoute = admin.getByRole('table', { name: 'Completions by route' });
	await expect(
		byRoute.getByRole('row', { name: /Face-to-face or online event/ })
	).not.toContainText(/\b0\b/);
	await expectAccessible(admin);
});
