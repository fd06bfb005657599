import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineReader } from '../src/irc/irc-lines.js';
import { escapeTagValue, formatLine, parseLine, unescapeTagValue } from '../src/irc/irc-message.js';
import { splitText, textRoom } from '../src/irc/irc-split.js';
import { plainCredentials } from '../src/irc/irc-capabilities.js';
import { spokenText } from '../src/irc/irc-text.js';

describe('IRC lines', () => {
  it('reads tags, source, command and parameters, the last one with spaces', () => {
    const m = parseLine(
      '@time=2024-01-01T00:00:00.000Z;+draft/x=a\\sb\\:c :nick!u@h privmsg #vim :hello  there :)',
    );
    assert.equal(m.command, 'PRIVMSG');
    assert.equal(m.source, 'nick!u@h');
    assert.deepEqual(m.params, ['#vim', 'hello  there :)']);
    assert.equal(m.tags.get('time'), '2024-01-01T00:00:00.000Z');
    assert.equal(m.tags.get('+draft/x'), 'a b;c');
  });

  it('takes repeated spaces and a missing trailing colon as lenient servers do', () => {
    assert.deepEqual(parseLine('USER  alice 0   *  :Alice A').params, ['alice', '0', '*', 'Alice A']);
    assert.deepEqual(parseLine('JOIN #a,#b').params, ['#a,#b']);
    assert.deepEqual(parseLine('PING').params, []);
  });

  it('refuses lines without a command', () => {
    for (const bad of ['', '@a=b', ':source', '12 x', 'WH?T x', ':src 1234'])
      assert.throws(() => parseLine(bad), /command/, bad);
  });

  it('escapes tag values both ways', () => {
    const value = 'a;b c\\d\r\ne';
    assert.equal(escapeTagValue(value), 'a\\:b\\sc\\\\d\\r\\ne');
    assert.equal(unescapeTagValue(escapeTagValue(value)), value);
    // An escape of an ordinary character is that character; a lone backslash at the end is dropped.
    assert.equal(unescapeTagValue('a\\bc\\'), 'abc');
  });

  it('writes a line with its tags, source and a trailing last parameter', () => {
    assert.equal(
      formatLine(
        'alice!alice@lingr',
        'PRIVMSG',
        ['#vim', 'hi; there'],
        [
          ['time', '2024-01-01T00:00:00.000Z'],
          ['x', 'a b'],
        ],
      ),
      '@time=2024-01-01T00:00:00.000Z;x=a\\sb :alice!alice@lingr PRIVMSG #vim :hi; there\r\n',
    );
    assert.equal(formatLine(undefined, 'PING', ['lingr']), 'PING lingr\r\n');
    assert.equal(formatLine(undefined, 'AWAY', ['gone away']), 'AWAY :gone away\r\n');
    assert.equal(formatLine('n!u@h', 'JOIN', ['#vim']), ':n!u@h JOIN #vim\r\n');
  });

  it('never lets a parameter break the line or shift the others', () => {
    assert.equal(
      formatLine('srv', '403', ['me', ':x y', 'text\r\nQUIT :injected\0']),
      ':srv 403 me xy :text  QUIT :injected \r\n',
    );
    assert.equal(formatLine('srv', '421', ['me', '', 'Unknown']), ':srv 421 me * :Unknown\r\n');
  });
});

describe('splitting text for IRC', () => {
  it('cuts a 600-byte line of multibyte characters between characters, never inside one', () => {
    const text = 'あ'.repeat(150) + '😀'.repeat(37) + 'é'; // 450 + 148 + 2 = 600 bytes
    assert.equal(Buffer.byteLength(text), 600);
    const room = textRoom('alice!alice@lingr', 'PRIVMSG', '#vim');
    const pieces = splitText(text, room);
    assert.equal(pieces.length, 2);
    for (const piece of pieces) {
      assert.ok(Buffer.byteLength(piece) <= room);
      // Each piece is valid UTF-8 on its own: nothing was cut in half.
      assert.equal(Buffer.from(piece).toString('utf8'), piece);
      assert.ok(!piece.includes('\uFFFD'));
      const line = formatLine('alice!alice@lingr', 'PRIVMSG', ['#vim', piece]);
      assert.ok(Buffer.byteLength(line) <= 512, `${Buffer.byteLength(line)} bytes`);
    }
    assert.equal(pieces.join(''), text);
  });

  it('keeps a flag or a family emoji whole', () => {
    const family = '👨‍👩‍👧‍👦'; // 25 bytes, one grapheme
    const pieces = splitText(family.repeat(10), 60);
    assert.ok(pieces.every((p) => p.length % family.length === 0));
    assert.equal(pieces.join(''), family.repeat(10));
  });

  it('makes one IRC line per line of text, blank lines inside kept, blank ends dropped', () => {
    assert.deepEqual(splitText('\nfirst\r\n\nthird\n\n', 400), ['first', ' ', 'third']);
  });
});

describe('reading lines', () => {
  it('splits at LF, drops CR, and joins lines that came in pieces', () => {
    const r = new LineReader(20);
    assert.deepEqual(r.push(Buffer.from('NICK a\r\nUS')), [{ kind: 'line', line: Buffer.from('NICK a') }]);
    assert.deepEqual(r.push(Buffer.from('ER x\n')), [{ kind: 'line', line: Buffer.from('USER x') }]);
  });

  it('reports a line that is too long once and skips to its end, whatever the pieces', () => {
    const r = new LineReader(10);
    assert.deepEqual(r.push(Buffer.from('x'.repeat(8))), []);
    assert.deepEqual(r.push(Buffer.from('x'.repeat(8))), [{ kind: 'too_long' }]);
    assert.deepEqual(r.push(Buffer.from('x'.repeat(100))), []);
    assert.deepEqual(r.push(Buffer.from('xx\nPING a\n')), [{ kind: 'line', line: Buffer.from('PING a') }]);
    assert.deepEqual(r.push(Buffer.from(`${'y'.repeat(30)}\nOK\n`)), [
      { kind: 'too_long' },
      { kind: 'line', line: Buffer.from('OK') },
    ]);
  });
});

describe('what IRC clients send', () => {
  it('reads SASL PLAIN credentials, and nothing else', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    assert.deepEqual(plainCredentials(b64('\0alice\0pw 1')), { username: 'alice', password: 'pw 1' });
    assert.deepEqual(plainCredentials(b64('alice\0alice\0pw')), { username: 'alice', password: 'pw' });
    assert.equal(plainCredentials(b64('bob\0alice\0pw')), undefined);
    assert.equal(plainCredentials(b64('alice\0pw')), undefined);
    assert.equal(plainCredentials('not base64!'), undefined);
  });

  it('says an ACTION as "* text", drops formatting, and says no other CTCP', () => {
    assert.equal(spokenText('\x01ACTION waves\x01'), '* waves');
    assert.equal(spokenText('\x02bold\x02 and \x0304,12red\x03 \x1dit'), 'bold and red it');
    assert.equal(spokenText('\x01VERSION\x01'), undefined);
  });
});
