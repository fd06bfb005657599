import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startTestServer, type TestServer } from './support/server.js';

/** Fills and sends the sign-in form on whatever page shows it. */
async function signInHere(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('password1');
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('sharing a private room in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  before(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    for (const [username, name] of [
      ['olga', 'Olga'],
      ['bob', 'Bob'],
      ['cleo', 'Cleo'],
    ])
      await t.admin.addUser({ username: username as string, password: 'password1', name: name as string });
    await t.admin.addRoom({ id: 'den', name: 'The Den', owner: 'olga', isPublic: false });
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('the owner invites one person by username and another by link; both get in', async () => {
    const owner = await (await browser.newContext()).newPage();
    await owner.goto(`${t.url}/signin?next=/room/den/members`);
    await signInHere(owner, 'olga');
    await owner.waitForURL(`${t.url}/room/den/members`);
    const members = owner.getByRole('list', { name: 'Members' });
    await members.locator('.name').getByText('Olga', { exact: true }).waitFor();

    // By username.
    await owner.getByRole('textbox', { name: 'Username' }).fill('bob');
    await owner.getByRole('button', { name: 'Invite' }).click();
    await owner.getByRole('status').getByText('Bob (bob) is now a member.').waitFor();
    await members.locator('.name').getByText('Bob', { exact: true }).waitFor();

    // By link: another browser, signed out, follows it, signs in, comes back and joins.
    await owner.getByRole('button', { name: 'Create an invitation link' }).click();
    const link = await owner.getByRole('textbox', { name: 'Invitation link' }).inputValue();
    assert.match(link, /\/room\/den\/invite\/[A-Za-z0-9]{24}$/);

    const guest = await (await browser.newContext()).newPage();
    await guest.goto(link);
    await guest.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signInHere(guest, 'cleo');
    await guest.waitForURL(link);
    await guest.getByRole('heading', { name: 'You are invited to The Den' }).waitFor();
    await guest.getByRole('button', { name: 'Join The Den' }).click();
    await guest.waitForURL(`${t.url}/room/den`);
    await guest.getByRole('heading', { name: 'The Den' }).waitFor();

    await owner.reload();
    await members.locator('.name').getByText('Cleo', { exact: true }).waitFor();
    assert.equal(await members.getByRole('listitem').count(), 3);

    // Removing takes cleo out; her next look at the room finds nothing.
    await owner.getByRole('button', { name: 'Remove Cleo' }).click();
    await owner.getByRole('status').getByText('cleo is no longer a member.').waitFor();
    assert.equal(await members.locator('.name').getByText('Cleo', { exact: true }).count(), 0);
    const again = await guest.goto(`${t.url}/room/den`);
    assert.equal(again?.status(), 404);
  });
});
