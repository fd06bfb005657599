import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startTestServer, type TestServer } from './support/server.js';

/** Where the test leaves its picture of the page, for docs/screenshots/admin.png. */
const SHOT = process.env.LINGR_ADMIN_SHOT ?? join(tmpdir(), 'lingr-admin.png');

async function signIn(browser: Browser, t: TestServer, username: string, password = 'password1') {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${t.url}/signin`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${t.url}/`);
  return page;
}

const userRow = (page: Page, username: string) => page.locator(`tr[data-user="${username}"]`);

describe('the admin page in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  before(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    for (const [username, name] of [
      ['root', 'Root'],
      ['alice', 'Alice'],
      ['bob', 'Bob'],
      ['spammer', 'Spammer'],
    ] as const)
      await t.admin.addUser({ username, password: 'password1', name, email: `${username}@example.org` });
    const root = await t.adminStore.users.byUsername('root');
    await t.adminStore.users.setAdmin(root?.id ?? 0, true);
    await t.admin.addRoom({ id: 'vim', name: 'Vim', owner: 'alice' });
    await t.admin.addRoom({ id: 'cheap_pills', name: 'Cheap pills', owner: 'spammer' });
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('is refused to a non-administrator, who has no link to it', async () => {
    const page = await signIn(browser, t, 'alice');
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
    const res = await page.goto(`${t.url}/admin`);
    assert.equal(res?.status(), 403);
    await page.getByText('This page is for the site’s administrators.').waitFor();
    await page.context().close();
  });

  it('lets an administrator delete and rename users, reset a password and delete a room', async () => {
    const page = await signIn(browser, t, 'root');
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL(`${t.url}/admin`);
    await page.getByRole('heading', { name: 'Site administration' }).waitFor();
    await page.screenshot({ path: SHOT, fullPage: true });

    // Rename.
    await userRow(page, 'bob').getByText('Manage').click();
    await userRow(page, 'bob').getByLabel('New name').fill('Robert');
    await userRow(page, 'bob').getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('status').getByText('bob is renamed.').waitFor();
    assert.equal((await userRow(page, 'bob').locator('td').nth(1).innerText()).trim(), 'Robert');

    // Reset a password to one the server makes up, then sign in with it.
    await userRow(page, 'alice').getByText('Manage').click();
    await userRow(page, 'alice').getByRole('button', { name: 'Reset password' }).click();
    const secret = (await page.locator('[data-secret]').innerText()).trim();
    assert.equal(secret.length, 16);
    const alice = await signIn(browser, t, 'alice', secret);
    assert.match(await alice.getByRole('navigation', { name: 'Account' }).innerText(), /alice/i);
    await alice.context().close();

    // Delete a user: refused by the browser until the box is ticked.
    await userRow(page, 'spammer').getByText('Manage').click();
    const deleteUser = userRow(page, 'spammer').locator('form[data-action="delete"]');
    await deleteUser.getByRole('button', { name: 'Delete user' }).click();
    assert.equal(
      await deleteUser
        .locator('input[name="confirm"]')
        .evaluate((e) => (e as unknown as { validity: { valid: boolean } }).validity.valid),
      false,
    );
    await deleteUser.getByRole('checkbox').check();
    await deleteUser.getByRole('button', { name: 'Delete user' }).click();
    await page.getByRole('status').getByText('spammer is deleted.').waitFor();
    assert.equal(await userRow(page, 'spammer').count(), 0);

    // Delete a room.
    const room = page.locator('tr[data-room="cheap_pills"]');
    await room.getByRole('checkbox').check();
    await room.getByRole('button', { name: 'Delete room' }).click();
    await page.getByRole('status').getByText('Room cheap_pills is deleted.').waitFor();
    assert.equal(await page.locator('tr[data-room="cheap_pills"]').count(), 0);
    assert.equal(await t.adminStore.rooms.byId('cheap_pills'), undefined);
    await page.context().close();
  });
});
