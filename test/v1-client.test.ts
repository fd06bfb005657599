import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  asXmlShape,
  JSON_TYPE,
  methodPath,
  parseV1Xml,
  V1Client,
  V1Failure,
  V1ProtocolError,
  XML_TYPE,
  xmlLexicalProblem,
} from './support/v1-client.js';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** The room.enter sample of spec 7.7, as printed there. */
const SPEC_ENTER = `${DECL}<response><status>ok</status><occupant_id>3h418YGlLtB</occupant_id>
  <ticket>a-r-gcnZ3vAcZDA-1HSTpgDjgWu</ticket><max_observe_time>40</max_observe_time>
  <room><id>gcnZ3vAcZDA</id><name>Bay Area Jazz</name><counter>234</counter><tags/></room>
  <occupants><occupant><id>cfQ54YtTggh</id><nickname>TheDude</nickname></occupant></occupants>
</response>`;

describe('v1 client: XML into the JSON shape (spec 7.7)', () => {
  it('reads the spec sample as the JSON form has it, numbers as strings, <tags/> an empty list', () => {
    assert.deepEqual(parseV1Xml(SPEC_ENTER), {
      status: 'ok',
      occupant_id: '3h418YGlLtB',
      ticket: 'a-r-gcnZ3vAcZDA-1HSTpgDjgWu',
      max_observe_time: '40',
      room: { id: 'gcnZ3vAcZDA', name: 'Bay Area Jazz', counter: '234', tags: [] },
      occupants: [{ id: 'cfQ54YtTggh', nickname: 'TheDude' }],
    });
    const json = {
      status: 'ok',
      occupant_id: '3h418YGlLtB',
      ticket: 'a-r-gcnZ3vAcZDA-1HSTpgDjgWu',
      max_observe_time: 40,
      room: { id: 'gcnZ3vAcZDA', name: 'Bay Area Jazz', counter: 234, tags: [], description: null },
      occupants: [{ id: 'cfQ54YtTggh', nickname: 'TheDude' }],
    };
    assert.deepEqual(parseV1Xml(SPEC_ENTER), asXmlShape(json));
  });

  it('reads an error, a status-only reply and lists of one, several and none', () => {
    assert.deepEqual(
      parseV1Xml(
        `${DECL}<response><status>fail</status><error><code>102</code><message>invalid session</message></error></response>`,
      ),
      { status: 'fail', error: { code: '102', message: 'invalid session' } },
    );
    assert.deepEqual(parseV1Xml(`${DECL}<response><status>ok</status></response>`), { status: 'ok' });
    const m = (id: number) => `<message><id>${id}</id><type>user</type><text>line ${id}</text></message>`;
    assert.deepEqual(
      parseV1Xml(
        `<response><status>ok</status><counter>7</counter><messages>${m(6)}${m(7)}</messages></response>`,
      ),
      {
        status: 'ok',
        counter: '7',
        messages: [
          { id: '6', type: 'user', text: 'line 6' },
          { id: '7', type: 'user', text: 'line 7' },
        ],
      },
    );
    assert.deepEqual(
      parseV1Xml(`<response><status>ok</status><messages>${m(1)}</messages><occupants/></response>`),
      { status: 'ok', messages: [{ id: '1', type: 'user', text: 'line 1' }], occupants: [] },
    );
    assert.deepEqual(parseV1Xml('<response><status>ok</status><rooms></rooms></response>').rooms, []);
  });

  it('decodes escapes and keeps text as sent: <&"\', non-BMP characters, newlines and edge spaces', () => {
    const reply = parseV1Xml(
      `${DECL}<response><status>ok</status><message><text>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; ` +
        `😀 &#x1F600; &#128512; 𠮷\nnext  </text><nickname>  </nickname><description/></message></response>`,
    );
    assert.deepEqual(reply.message, {
      text: 'a <b> & "c" \'d\' 😀 😀 😀 𠮷\nnext  ',
      nickname: '  ',
      description: '',
    });
  });

  it('refuses anything malformed, even what the parser alone would let through', () => {
    const bad: Record<string, string> = {
      unclosed: '<response><status>ok</status>',
      mismatched: '<response><status>ok</staus></response>',
      'raw <': '<response><status>ok</status><text>a < b</text></response>',
      'bare &': '<response><status>ok</status><text>a & b</text></response>',
      'bare & at the end': '<response><status>ok</status><text>a &</text></response>',
      'unknown entity': '<response><status>ok</status><text>&nbsp;</text></response>',
      '&#0;': '<response><status>ok</status><text>&#0;</text></response>',
      'control character': '<response><status>ok</status><text>a\u0001b</text></response>',
      'lone surrogate': '<response><status>ok</status><text>a\ud83db</text></response>',
      ']]> in text': '<response><status>ok</status><text>a]]>b</text></response>',
      'another encoding':
        '<?xml version="1.0" encoding="Shift_JIS"?><response><status>ok</status></response>',
      'two roots': '<response><status>ok</status></response><response/>',
      'text after the root': '<response><status>ok</status></response>junk',
      empty: '',
      'another root': '<reply><status>ok</status></reply>',
      'no status': '<response><ticket>x</ticket></response>',
      attributes: '<response status="ok"><status>ok</status></response>',
      'a key twice': '<response><status>ok</status><ticket>a</ticket><ticket>b</ticket></response>',
      'mixed content': '<response><status>ok</status><room>x<id>1</id></room></response>',
      'wrong list child': '<response><status>ok</status><messages><occupant/></messages></response>',
      comment: '<response><status>ok</status><!-- hi --></response>',
    };
    for (const [what, xml] of Object.entries(bad))
      assert.throws(() => parseV1Xml(xml), V1ProtocolError, `${what} must be refused`);
    assert.equal(xmlLexicalProblem('<a>&lt;&#x1F600;<![CDATA[a & b ]] c]]></a>'), undefined);
  });

  it('names methods by their v1 path', () => {
    assert.equal(methodPath('room.getMessages'), 'room/get_messages');
    assert.equal(methodPath('user.startObserving'), 'user/start_observing');
    assert.equal(methodPath('explore.getHotRooms'), 'explore/get_hot_rooms');
    assert.equal(methodPath('session.create'), 'session/create');
    assert.equal(methodPath('room/say'), 'room/say');
  });
});

describe('v1 client: what it checks on the wire', () => {
  let server: Server;
  let base: string;
  /** What the next request is answered with, and what the last one was. */
  let answer: { status: number; type: string; body: string };
  let last: { method: string; url: string; body: string; type: string | undefined };

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        last = { method: req.method ?? '', url: req.url ?? '', body, type: req.headers['content-type'] };
        res.writeHead(answer.status, { 'content-type': answer.type });
        res.end(answer.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('sends GET with a query, POST with a form, format=json only for JSON', async () => {
    const client = new V1Client(base);
    answer = { status: 200, type: XML_TYPE, body: `${DECL}<response><status>ok</status></response>` };
    assert.deepEqual(await client.call('room.getMessages', { session: 's', counter: -5 }), { status: 'ok' });
    assert.equal(last.method, 'GET');
    assert.equal(last.url, '/api/room/get_messages?session=s&counter=-5');
    answer = { status: 200, type: JSON_TYPE, body: '{"status":"ok","counter":3}' };
    const reply = await client.call('room.say', { message: 'a b&c' }, { verb: 'POST', format: 'json' });
    assert.deepEqual(reply, { status: 'ok', counter: 3 });
    assert.equal(last.method, 'POST');
    assert.equal(last.url, '/api/room/say');
    assert.equal(last.type, 'application/x-www-form-urlencoded');
    assert.equal(last.body, 'message=a+b%26c&format=json');
  });

  it('refuses another status, another content type, or JSON that is not an object with a status', async () => {
    const client = new V1Client(base);
    const ok = `${DECL}<response><status>ok</status></response>`;
    answer = { status: 500, type: XML_TYPE, body: ok };
    await assert.rejects(client.call('session.verify'), /HTTP 500/);
    answer = { status: 200, type: 'application/xml', body: ok };
    await assert.rejects(client.call('session.verify'), /Content-Type/);
    answer = { status: 200, type: 'application/javascript; charset=utf-8', body: '{"status":"ok"}' };
    await assert.rejects(client.call('session.verify', {}, { format: 'json' }), /Content-Type/);
    answer = { status: 200, type: JSON_TYPE, body: '[1]' };
    await assert.rejects(client.call('session.verify', {}, { format: 'json' }), V1ProtocolError);
    answer = { status: 200, type: JSON_TYPE, body: 'cb({"status":"ok"})' };
    await assert.rejects(client.call('session.verify', {}, { format: 'json' }), V1ProtocolError);
  });

  it('turns a fail reply into its numeric code, in XML and JSON alike', async () => {
    const client = new V1Client(base);
    client.session = 'g5K1smWyhwa';
    answer = {
      status: 200,
      type: XML_TYPE,
      body: `${DECL}<response><status>fail</status><error><code>109</code><message>invalid ticket</message></error></response>`,
    };
    await assert.rejects(client.observe('a-r-x-1HSTpgDjgWu', 5), (e: unknown) => {
      assert.ok(e instanceof V1Failure);
      assert.equal(e.code, 109);
      return true;
    });
    answer = { status: 200, type: JSON_TYPE, body: '{"status":"fail","error":{"code":102,"message":"x"}}' };
    await assert.rejects(
      client.exit('t', { format: 'json' }),
      (e: unknown) => e instanceof V1Failure && e.code === 102,
    );
  });

  it('reads observe, enter and say replies the same way from either format', async () => {
    const client = new V1Client(base);
    client.session = 'g5K1smWyhwa';
    answer = { status: 200, type: XML_TYPE, body: `${DECL}<response><status>ok</status></response>` };
    const idle = await client.observe('t', 9);
    assert.equal(idle.counter, undefined);
    assert.deepEqual(idle.messages, []);
    answer = {
      status: 200,
      type: JSON_TYPE,
      body: JSON.stringify({
        status: 'ok',
        counter: 12,
        messages: [{ id: 12, type: 'user', text: 'hi', nickname: 'A' }],
        occupants: [{ id: 'cfQ54YtTggh', nickname: 'A' }],
      }),
    };
    const busy = await client.observe('t', 9, { format: 'json' });
    assert.equal(busy.counter, 12);
    assert.deepEqual(busy.messages, [{ id: '12', type: 'user', text: 'hi', nickname: 'A' }]);
    assert.deepEqual(busy.occupants, [{ id: 'cfQ54YtTggh', nickname: 'A' }]);
    answer = { status: 200, type: XML_TYPE, body: SPEC_ENTER };
    const entered = await client.enter('gcnZ3vAcZDA', { nickname: 'TheDude', idempotent: true });
    assert.equal(
      last.url,
      '/api/room/enter?session=g5K1smWyhwa&id=gcnZ3vAcZDA&nickname=TheDude&idempotent=true',
    );
    assert.equal(entered.occupantId, '3h418YGlLtB');
    assert.equal(entered.ticket, 'a-r-gcnZ3vAcZDA-1HSTpgDjgWu');
    assert.equal(entered.maxObserveTime, 40);
    assert.equal(entered.counter, 234);
    assert.deepEqual(entered.occupants, [{ id: 'cfQ54YtTggh', nickname: 'TheDude' }]);
    // A test server's short hold need not be whole seconds.
    answer = { status: 200, type: XML_TYPE, body: SPEC_ENTER.replace('>40<', '>1.5<') };
    assert.equal((await client.enter('gcnZ3vAcZDA')).maxObserveTime, 1.5);
    answer = {
      status: 200,
      type: XML_TYPE,
      body: `${DECL}<response><status>ok</status><message><id>236</id><type>user</type><text>yo</text></message><counter>236</counter></response>`,
    };
    const said = await client.say('t', 'yo');
    assert.deepEqual(said, { message: { id: '236', type: 'user', text: 'yo' }, counter: 236 });
  });
});
