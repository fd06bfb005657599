import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { botText, cutToCodePoints } from '../src/core/text.js';
import {
  BOT_SECRET_LENGTH,
  botVerifier,
  newBotSecret,
  verifierMatches,
  webhookSignature,
} from '../src/engine/bot-credentials.js';

describe('bot secrets, verifiers and signatures', () => {
  it('makes 27-character base62 secrets, each different', () => {
    const secrets = new Set(Array.from({ length: 50 }, newBotSecret));
    assert.equal(secrets.size, 50);
    for (const s of secrets) assert.match(s, new RegExp(`^[0-9A-Za-z]{${BOT_SECRET_LENGTH}}$`));
  });

  it('accepts the SHA-1 verifier in any case, or the raw secret, and nothing else', () => {
    const secret = 'abcdefghijklmnopqrstuvwxyz0';
    const hex = createHash('sha1').update(`vim_jp${secret}`).digest('hex');
    assert.equal(botVerifier('vim_jp', secret), hex);
    assert.ok(verifierMatches('vim_jp', secret, hex));
    assert.ok(verifierMatches('vim_jp', secret, hex.toUpperCase()));
    assert.ok(verifierMatches('vim_jp', secret, secret));
    for (const wrong of [
      '',
      secret.toUpperCase(),
      hex.slice(1),
      createHash('sha1').update(`other${secret}`).digest('hex'),
    ])
      assert.equal(verifierMatches('vim_jp', secret, wrong), false, wrong);
  });

  it('signs t.body with HMAC-SHA256 of the secret', () => {
    const body = '{"status":"ok"}';
    const mac = createHmac('sha256', 'sekrit').update(`1700000000.${body}`).digest('hex');
    assert.equal(webhookSignature('sekrit', 1_700_000_000, body), `t=1700000000,v1=${mac}`);
  });
});

describe('a bot’s text', () => {
  it('is cut to 1,000 characters, never inside a character', () => {
    assert.equal(botText('x'.repeat(1500))?.length, 1000);
    const emoji = '😀'.repeat(1200);
    const cut = botText(emoji) ?? '';
    assert.equal([...cut].length, 1000);
    assert.equal(cut, '😀'.repeat(1000));
    assert.equal(cutToCodePoints('ab😀cd', 3), 'ab😀');
  });

  it('keeps lines, drops control characters and trailing newlines, and is nothing when blank', () => {
    assert.equal(botText('one\r\ntwo\n\n'), 'one\ntwo');
    assert.equal(botText('tab\there\u0007'), 'tab\there');
    assert.equal(botText('  \n\t '), undefined);
    assert.equal(botText(''), undefined);
  });
});
