import { expect, test } from '@playwright/test';
import { expectAccessible, pageAs } from '../support/helpers.ts';

test('an admin adds a local contact, with errors explained, and lessons show it', async ({
	browser
}) => {
	const admin = await pageAs(browser, 'admin');
	await admin.goto('/admin');
	await admin.getByRole('link', { name: 'Local contacts' }).click();
	await expectAccessible(admin);
	const add = admin
		.locator('form')
		.filter({ has: admin.getByRole('button', { name: 'Add contact' }) });
	await add.getByLabel('Topic').selectOption({ label: 'Your own wellbeing' });
	await add.getByLabel('Who to contact').fill('Kirklees staff wellbeing line');
	await add.getByLabel('Phone (optional)').fill('call me maybe');
	await add.getByRole('button', { name: 'Add contact' }).click();
	await expect(admin.getByTestId('error-summary')).toContainText(
		'Enter a phone number using digits'
	);
	await expectAccessible(admin);
	await add.getByLabel('Phone (optional)').fill('01484 000 000');
	await add.getByRole('button', { name: 'Add contact' }).click();
	await expect(admin.getByRole('status')).toContainText('Contact saved');

	const learner = await pageAs(browser, 'peeker');
	await learner.goto('/courses/signs-of-abuse/lessons/looking-after-yourself');
	const card = learner.getByRole('region', { name: 'Who to contact' });
	await expect(card).toContainText('Kirklees staff wellbeing line');
	await expect(card.getByRole('link', { name: '01484 000 000' })).toHaveAttribute(
		'href',
		'tel:01484000000'
	);
});
