import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startTestServer, type TestServer } from './support/server.js';

/** The lines said in the room so far, as the API gives them. */
async function linesOf(t: TestServer, session: string): Promise<string[]> {
  const shown = await t.api('room/show', { session, room: 'nihongo' });
  const rooms = shown.rooms as Array<{ messages: Array<{ text: string }> }>;
  return (rooms[0]?.messages ?? []).map((m) => m.text);
}

/** Fires on the message box what an input method sends; `keydown` is an Enter with the given flags. */
function fire(
  page: Page,
  steps: ReadonlyArray<
    'compositionstart' | 'compositionend' | { keydown: { isComposing: boolean; keyCode: number } }
  >,
): Promise<void> {
  return page.locator('#say-text').evaluate((box, all) => {
    // This runs in the page, where the DOM's event classes are.
    const win = globalThis as unknown as Record<
      'CompositionEvent' | 'KeyboardEvent',
      new (type: string, init: object) => Event
    >;
    const { CompositionEvent, KeyboardEvent } = win;
    for (const step of all) {
      if (typeof step === 'string')
        box.dispatchEvent(new CompositionEvent(step, { bubbles: true, data: '日本語' }));
      else
        box.dispatchEvent(
          new KeyboardEvent('keydown', {
            key: 'Enter',
            code: 'Enter',
            bubbles: true,
            cancelable: true,
            isComposing: step.keydown.isComposing,
            keyCode: step.keydown.keyCode,
          }),
        );
    }
  }, steps);
}

describe('typing Japanese through an input method in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let session: string;
  before(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    await t.admin.addUser({ username: 'hana', password: 'password1', name: 'はな' });
    await t.admin.addRoom({ id: 'nihongo', name: '日本語', owner: 'hana' });
    session = (await t.api('session/create', { user: 'hana', password: 'password1' })).session as string;
    page = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
    await page.goto(`${t.url}/signin`);
    await page.getByLabel('ユーザー名').fill('hana');
    await page.getByLabel('パスワード').fill('password1');
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.waitForURL(`${t.url}/`);
    await page.goto(`${t.url}/room/nihongo`);
    await page.locator('.connection[data-state="live"]').waitFor();
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  /** Waits long enough for a wrongly sent line to show (a pending line appears at once), and checks none did. */
  async function nothingSent(typed: string): Promise<void> {
    await page.waitForTimeout(300);
    assert.equal(await page.locator('#say-text').inputValue(), typed, 'the text stays in the box');
    assert.equal(await page.locator('.message').count(), 0, 'no line, not even a pending one');
    assert.deepEqual(await linesOf(t, session), []);
  }

  it('does not send on the Enter that confirms a composition, and sends on the next one', async () => {
    const box = page.getByRole('textbox', { name: 'メッセージ' });
    await box.fill('にほんごをべんきょうしています');
    // Chromium's order: the composing Enter comes flagged isComposing (keyCode 229), before compositionend.
    await fire(page, [
      'compositionstart',
      { keydown: { isComposing: true, keyCode: 229 } },
      'compositionend',
    ]);
    await nothingSent('にほんごをべんきょうしています');
    // Still composing by the events, though the keydown says nothing of it.
    await fire(page, ['compositionstart', { keydown: { isComposing: false, keyCode: 13 } }]);
    await nothingSent('にほんごをべんきょうしています');
    // Safari's order: compositionend first, then the confirming keydown with keyCode 229.
    await fire(page, ['compositionend', { keydown: { isComposing: false, keyCode: 229 } }]);
    await nothingSent('にほんごをべんきょうしています');

    await box.press('Enter');
    await page.locator('.message .text', { hasText: 'にほんごをべんきょうしています' }).waitFor();
    assert.equal(await box.inputValue(), '');
    assert.deepEqual(await linesOf(t, session), ['にほんごをべんきょうしています']);
  });

  it('does not pick a name from the completion list with a composing Enter', async () => {
    await t.admin.addUser({ username: 'taro', password: 'password1', name: 'たろう' });
    await t.admin.join('nihongo', 'taro');
    const taro = (await t.api('session/create', { user: 'taro', password: 'password1' })).session as string;
    await t.api('room/say', { session: taro, room: 'nihongo', text: 'こんにちは' });
    await page.locator('.message .text', { hasText: 'こんにちは' }).waitFor();
    const box = page.getByRole('textbox', { name: 'メッセージ' });
    await box.fill('');
    await box.type('@ta');
    const names = page.getByRole('listbox', { name: '名前の候補' });
    await names.getByRole('option', { name: '@taro' }).waitFor();
    await fire(page, [
      'compositionstart',
      { keydown: { isComposing: true, keyCode: 229 } },
      'compositionend',
    ]);
    assert.equal(await box.inputValue(), '@ta', 'the composing Enter neither completes nor sends');
    await box.press('Enter');
    assert.equal(await box.inputValue(), '@taro ', 'a real Enter picks the name');
  });
});
