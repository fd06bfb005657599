import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addressMatcher } from '../src/config/address-list.js';
import { loadSettings, SettingsError } from '../src/config/settings.js';
import { clientAddress } from '../src/http/client-address.js';
import { startTestServer, type TestServer } from './support/server.js';

describe('the client address behind proxies', () => {
  const resolve = clientAddress(addressMatcher(['127.0.0.1', '10.0.0.0/8', '::1']));

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    assert.equal(resolve('203.0.113.9', '198.51.100.1'), '203.0.113.9');
    assert.equal(clientAddress(addressMatcher([]))('127.0.0.1', '198.51.100.1'), '127.0.0.1');
  });

  it('takes the right-most hop that is not a trusted proxy', () => {
    assert.equal(resolve('127.0.0.1', '198.51.100.1'), '198.51.100.1');
    // The client may have written the left part itself: only what trusted proxies appended counts.
    assert.equal(resolve('127.0.0.1', '1.1.1.1, 198.51.100.1, 10.1.2.3'), '198.51.100.1');
    assert.equal(resolve('10.0.0.5', '10.0.0.6, 10.0.0.7'), '10.0.0.6', 'all proxies: the first one');
  });

  it('stops at a hop that is no address, and reads bracketed and ported forms', () => {
    assert.equal(resolve('127.0.0.1', 'unknown'), '127.0.0.1');
    assert.equal(resolve('127.0.0.1', '198.51.100.1, garbage, 10.0.0.2'), '10.0.0.2');
    assert.equal(resolve('::1', '[2001:db8::1]:4711'), '2001:db8::1');
    assert.equal(resolve('::1', '2001:db8::2'), '2001:db8::2');
    assert.equal(resolve('127.0.0.1', '198.51.100.7:5000'), '198.51.100.7');
  });

  it('refuses a --trust-proxy entry that is not an address or network, at start', () => {
    assert.throws(
      () => loadSettings({ trustProxy: 'nginx.local' }, {}),
      (e: unknown) => e instanceof SettingsError && /--trust-proxy/.test(e.message),
    );
  });
});

describe('sign-in limits per client behind a trusted proxy', () => {
  let proxied: TestServer;
  let direct: TestServer;
  const signIn = (t: TestServer, forwardedFor: string) =>
    fetch(`${t.url}/api/session/create?user=alice&password=wrong`, {
      headers: { 'x-forwarded-for': forwardedFor },
    }).then((r) => r.json() as Promise<{ code?: string }>);
  before(async () => {
    const limits = { loginAttempts: '2', loginFailuresPerAddress: '1000', loginFailuresPerAccount: '1000' };
    proxied = await startTestServer({ ...limits, trustProxy: '127.0.0.0/8' });
    direct = await startTestServer(limits);
  });
  after(async () => {
    await proxied.stop();
    await direct.stop();
  });

  it('counts each forwarded client apart when the peer is a trusted proxy', async () => {
    const first = [];
    for (let i = 0; i < 3; i++) first.push((await signIn(proxied, '203.0.113.1')).code);
    assert.deepEqual(first, ['invalid_user_credentials', 'invalid_user_credentials', 'rate_limited']);
    assert.equal((await signIn(proxied, '203.0.113.2')).code, 'invalid_user_credentials', 'another client');
    // Through node:http too (the sign-in form), the same client is the one counted.
    const form = await fetch(`${proxied.url}/signin`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': '203.0.113.1',
        origin: proxied.url,
      },
      body: 'username=alice&password=wrong',
      redirect: 'manual',
    });
    assert.equal(form.status, 429, 'the form post from the same client is over its limit');
  });

  it('believes no X-Forwarded-For without --trust-proxy', async () => {
    const codes = [];
    for (const from of ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
      codes.push((await signIn(direct, from)).code);
    assert.deepEqual(codes, ['invalid_user_credentials', 'invalid_user_credentials', 'rate_limited']);
  });
});
