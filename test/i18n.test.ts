import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMessage, slotsOf, type Message } from '../src/client/format-message.js';
import { clockTime, dayLabel, fullDate, relativeTime } from '../src/client/format-time.js';
import { ChatError } from '../src/core/chat-error.js';
import { ERROR_TEXT, phrase } from '../src/core/error-text.js';
import { LANGUAGES } from '../src/core/model.js';
import { ErrorCode } from '../src/protocol/errors.js';
import { SafeHtml } from '../src/web/html.js';
import { CATALOGS } from '../src/web/i18n/catalog.js';
import { chooseLanguage, fromAcceptLanguage } from '../src/web/i18n/choose.js';
import { en } from '../src/web/i18n/en.js';
import { Translator } from '../src/web/i18n/translator.js';

type AnyCatalog = Readonly<Record<string, Message>>;

/** Every `{name}` a message uses, in any of its plural forms. */
const slots = (m: Message): string[] =>
  [...new Set((typeof m === 'string' ? [m] : Object.values(m)).flatMap(slotsOf))].sort();

/** What is wrong with `other` against the English catalog: keys missing or extra, slots that differ. */
function catalogProblems(reference: AnyCatalog, other: AnyCatalog): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(reference))
    if (!(key in other)) problems.push(`missing ${key}`);
    else if (slots(reference[key] as Message).join() !== slots(other[key] as Message).join())
      problems.push(`${key} has {${slots(other[key] as Message).join('}, {')}}`);
  for (const key of Object.keys(other)) if (!(key in reference)) problems.push(`extra ${key}`);
  return problems;
}

describe('the message catalogs', () => {
  it('the check finds a missing key, an extra key and a placeholder that differs', () => {
    const reference = { a: 'Hello {name}', b: { one: '{count} line', other: '{count} lines' }, c: 'x' };
    assert.deepEqual(catalogProblems(reference, { a: 'こんにちは {name}', b: '{count} 行', c: 'x' }), []);
    assert.deepEqual(catalogProblems(reference, { a: 'こんにちは {name}', b: '{count} 行' }), ['missing c']);
    assert.deepEqual(
      catalogProblems(reference, { a: 'こんにちは {name}', b: '{count} 行', c: 'x', d: 'y' }),
      ['extra d'],
    );
    assert.deepEqual(catalogProblems(reference, { a: 'こんにちは {nam}', b: '{count} 行', c: 'x' }), [
      'a has {nam}',
    ]);
    assert.deepEqual(catalogProblems(reference, { a: 'こんにちは {name}', b: '行', c: 'x' }), ['b has {}']);
  });

  for (const lang of LANGUAGES)
    it(`${lang} has every English key, no other, with the same placeholders`, () => {
      assert.deepEqual(catalogProblems(en, CATALOGS[lang]), []);
    });

  it('every refusal the core can phrase has its words in every language', () => {
    for (const lang of LANGUAGES)
      for (const key of Object.keys(ERROR_TEXT))
        assert.ok(`error.${key}` in CATALOGS[lang], `${lang} lacks error.${key}`);
    // English says a refusal in the very words of the APIs' detail.
    for (const [key, text] of Object.entries(ERROR_TEXT))
      assert.equal(en[`error.${key}` as keyof typeof en], text);
  });

  it('gives English counts a singular and a plural, and says every Japanese message in Japanese', () => {
    // Kana, kanji, or Japanese punctuation (「」、（）) at the least: an English copy would have none.
    const japanese = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;
    for (const [key, message] of Object.entries(en)) {
      if (typeof message !== 'string') {
        assert.ok('one' in message && 'other' in message, `${key} has one and other`);
        for (const form of Object.values(message))
          assert.ok(slotsOf(form).includes('count') || key === 'archives.pagesOfDay', `${key}: ${form}`);
      }
      const ja = CATALOGS.ja[key as keyof typeof en];
      const text = typeof ja === 'string' ? ja : ja.other;
      // "ID" is how Japanese pages write it too.
      if (key !== 'roomForm.idWord') assert.match(text, japanese, `ja ${key} is not in Japanese: ${text}`);
    }
  });
});

describe('filling in messages', () => {
  it('fills named values, picks English plurals by count and groups numbers by language', () => {
    const lines: Message = { one: '{count} line', other: '{count} lines' };
    assert.equal(formatMessage('en', lines, { count: 1 }), '1 line');
    assert.equal(formatMessage('en', lines, { count: 0 }), '0 lines');
    assert.equal(formatMessage('en', lines, { count: 5300 }), '5,300 lines');
    assert.equal(formatMessage('ja', '{count} 件', { count: 5300 }), '5,300 件');
    assert.equal(formatMessage('en', 'Hello {name}, {name}', { name: 'Ann' }), 'Hello Ann, Ann');
    assert.equal(formatMessage('en', 'Hello {name}'), 'Hello {name}', 'a missing value shows');
  });

  it('says pages’ sentences in the chosen language, with markup only where the code puts it', () => {
    const ja = new Translator('ja');
    assert.equal(ja.t('archives.lines', { count: 2 }), '2 件');
    assert.equal(new Translator('en').t('archives.lines', { count: 1 }), '1 line');
    const link = new SafeHtml('<a href="/signup">作成</a>');
    assert.equal(
      ja.h('signIn.newHere', { link }).value,
      'はじめての方は<a href="/signup">作成</a>してください。',
    );
    assert.equal(
      new Translator('en').h('tag.heading', { tag: '<b>"x"</b>' }).value,
      'Rooms tagged “&lt;b&gt;&quot;x&quot;&lt;/b&gt;”',
      'values are escaped',
    );
  });

  it('says refusals in the reader’s language: by their phrase, else by what their code means', () => {
    const taken = ChatError.phrased(
      ErrorCode.invalidParameter,
      phrase('usernameReserved', { username: 'api' }),
    );
    assert.equal(taken.detail, '"api" is reserved.', 'the APIs keep their English');
    assert.equal(new Translator('en').error(taken), '"api" is reserved.');
    assert.equal(new Translator('ja').error(taken), '「api」は予約されているため使えません。');
    const plain = new ChatError(ErrorCode.forbidden, 'Some English the pages never met.');
    assert.equal(new Translator('en').error(plain), 'Some English the pages never met.');
    assert.equal(new Translator('ja').error(plain), 'この操作は許可されていません。');
  });
});

describe('dates and times in each language', () => {
  const at = Date.UTC(2026, 11, 2, 6, 42); // 15:42 in Tokyo, on Wednesday, December 2, 2026
  const tokyo = 'Asia/Tokyo';

  it('writes the clock and the date as each language does', () => {
    assert.equal(clockTime('en', tokyo, at), '3:42pm');
    assert.equal(clockTime('ja', tokyo, at), '15:42');
    assert.equal(fullDate('en', tokyo, at), 'Wednesday, December 2, 2026');
    assert.equal(fullDate('ja', tokyo, at), '2026年12月2日(水)');
  });

  it('names today and yesterday in a divider, and any other day by its date', () => {
    const hour = 3_600_000;
    assert.equal(dayLabel('en', tokyo, at, at + hour), 'Today');
    assert.equal(dayLabel('ja', tokyo, at, at + hour), '今日');
    assert.equal(dayLabel('en', tokyo, at, at + 24 * hour), 'Yesterday');
    assert.equal(dayLabel('ja', tokyo, at, at + 24 * hour), '昨日');
    assert.equal(dayLabel('ja', tokyo, at, at + 72 * hour), '2026年12月2日(水)');
    // 23:30 in Tokyo is still today there, though already tomorrow's date in UTC at 15:00.
    assert.equal(dayLabel('en', tokyo, at + 8 * hour, at + 9 * hour), 'Yesterday');
  });

  it('says how long ago, in the largest whole unit', () => {
    assert.equal(relativeTime('en', at, at + 3 * 60_000), '3 minutes ago');
    assert.equal(relativeTime('ja', at, at + 3 * 60_000), '3 分前');
    assert.equal(relativeTime('en', at, at + 26 * 3_600_000), 'yesterday');
    assert.equal(relativeTime('ja', at, at + 3 * 86_400_000), '3 日前');
    assert.equal(relativeTime('en', at, at + 5_000), 'this minute');
    assert.equal(relativeTime('ja', at, at + 5_000), '1 分以内');
  });
});

describe('choosing the language of a page', () => {
  it('reads Accept-Language by its q-values: ja and ja-JP are Japanese', () => {
    assert.equal(fromAcceptLanguage('ja'), 'ja');
    assert.equal(fromAcceptLanguage('ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7'), 'ja');
    assert.equal(fromAcceptLanguage('en-US,en;q=0.9,ja;q=0.8'), 'en');
    assert.equal(fromAcceptLanguage('fr-FR, de;q=0.9, ja;q=0.5'), 'ja', 'the first it speaks');
    assert.equal(fromAcceptLanguage('en;q=0.5, JA-jp;q=0.8'), 'ja', 'the higher q wins, whatever the order');
    assert.equal(fromAcceptLanguage('ja;q=0, en'), 'en', 'q=0 means not this one');
    assert.equal(fromAcceptLanguage('fr, de'), undefined);
    assert.equal(fromAcceptLanguage('*'), undefined);
    assert.equal(fromAcceptLanguage(''), undefined);
    assert.equal(fromAcceptLanguage('ja;q=bogus'), 'ja', 'a broken q-value counts as 1');
  });

  it('takes the user’s setting, else the cookie, else the browser, else English', () => {
    assert.equal(chooseLanguage({}), 'en');
    assert.equal(chooseLanguage({ acceptLanguage: 'ja' }), 'ja');
    assert.equal(chooseLanguage({ cookie: 'en', acceptLanguage: 'ja' }), 'en');
    assert.equal(chooseLanguage({ cookie: 'xx', acceptLanguage: 'ja' }), 'ja', 'a bad cookie is no choice');
    assert.equal(chooseLanguage({ setting: 'ja', cookie: 'en', acceptLanguage: 'en' }), 'ja');
    assert.equal(chooseLanguage({ setting: null, cookie: 'ja', acceptLanguage: 'en' }), 'ja');
  });
});
