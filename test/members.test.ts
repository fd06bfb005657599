import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MembershipFact } from '../src/core/model.js';
import { startTestServer, type Json, type TestServer } from './support/server.js';
import { openSocket, texts, until, within, type Reply } from './support/streams.js';
import { cookieOf, postForm, webSignIn, webUser, type Browser } from './support/web.js';

/** A page as a browser with this cookie gets it, without following redirects. */
async function get(t: TestServer, path: string, who?: Browser) {
  const res = await fetch(`${t.url}${path}`, {
    redirect: 'manual',
    headers: who ? { cookie: who.cookie } : {},
  });
  return { status: res.status, location: res.headers.get('location') ?? undefined, text: await res.text() };
}

/** A form of the members pages posted by `who`, with its page token unless `fields` says otherwise. */
async function post(
  t: TestServer,
  path: string,
  who: Browser | undefined,
  fields: Record<string, string> = {},
) {
  const res = await postForm(t.url, path, { ...(who ? { csrf: who.csrf } : {}), ...fields }, who?.cookie);
  return { status: res.status, location: res.headers.get('location') ?? undefined, text: await res.text() };
}

const linkOf = (page: string): string | undefined =>
  /id="invitation-link"[^>]*value="([^"]+)"/.exec(page)?.[1] ??
  /value="([^"]+)"[^>]*id="invitation-link"/.exec(page)?.[1];

async function isMember(t: TestServer, room: string, username: string): Promise<boolean> {
  const user = await t.adminStore.users.byUsername(username);
  return user !== undefined && (await t.adminStore.rooms.membership(room, user.id)) !== undefined;
}

/** The membership facts of a room's log, oldest first. */
async function membershipFacts(t: TestServer, room: string): Promise<MembershipFact[]> {
  const events = await t.adminStore.events.after(0, 10_000, [room]);
  return events.flatMap((e) => (e.fact.kind === 'membership' ? [e.fact.membership] : []));
}

describe('a room’s members page: inviting, removing, invitation links', () => {
  let t: TestServer;
  let alice: Browser;
  let bob: Browser;
  let carol: Browser;
  let dave: Browser;
  before(async () => {
    t = await startTestServer({ sayPerMinute: '100000' });
    alice = await webUser(t, 'alice');
    bob = await webUser(t, 'bob');
    carol = await webUser(t, 'carol');
    dave = await webUser(t, 'dave');
    await t.admin.addRoom({ id: 'den', name: 'The <Den>', owner: 'alice', isPublic: false });
    await t.admin.join('den', 'bob');
    await t.admin.addRoom({ id: 'yard', name: 'Yard', owner: 'alice' });
  });
  after(() => t?.stop());

  it('lists members to those who may see the room; only the owner gets the forms', async () => {
    const owner = await get(t, '/room/den/members', alice);
    assert.equal(owner.status, 200);
    assert.match(owner.text, /Members of The &lt;Den&gt;/, 'the room name is escaped');
    assert.match(owner.text, /data-username="alice"[\s\S]*owner/);
    assert.match(owner.text, /data-username="bob"/);
    assert.match(owner.text, /Invite someone/);
    assert.match(owner.text, /action="\/room\/den\/members\/remove"/);
    assert.match(owner.text, /Create an invitation link/);

    const member = await get(t, '/room/den/members', bob);
    assert.equal(member.status, 200);
    assert.match(member.text, /data-username="alice"/);
    assert.doesNotMatch(member.text, /Invite someone|members\/remove|invitation link/i);

    for (const outsider of [carol, undefined]) {
      const hidden = await get(t, '/room/den/members', outsider);
      assert.equal(hidden.status, 404, 'a private room’s members are as hidden as the room');
      assert.doesNotMatch(hidden.text, /bob|The &lt;Den/);
    }
    const open = await get(t, '/room/yard/members');
    assert.equal(open.status, 200, 'anyone may see who belongs to a public room');
    assert.doesNotMatch(open.text, /Invite someone/);
  });

  it('the owner invites a user by username: a member at once, with the join fact live clients get', async () => {
    const watch = await t.api('room/subscribe', { session: bob.session, room: 'den' });
    const invited = await post(t, '/room/den/members/invite', alice, { username: ' carol ' });
    assert.equal(invited.status, 303, invited.text);
    assert.equal(invited.location, '/room/den/members?invited=carol');
    assert.ok(await isMember(t, 'den', 'carol'));
    assert.equal((await get(t, '/room/den', carol)).status, 200, 'carol may open the private room');
    const shown = await t.api('room/show', { session: carol.session, room: 'den' });
    assert.equal(shown.status, 'ok');

    const observed = (await t.api('event/observe', {
      session: bob.session,
      counter: watch.counter as number,
    })) as unknown as Reply;
    const joins = observed.events.flatMap((e) => (e.membership ? [e.membership] : []));
    assert.ok(
      joins.some((m: Json) => m.username === 'carol' && m.action === 'join'),
      `a member hears the join: ${JSON.stringify(observed)}`,
    );
    assert.ok(!joins.some((m: Json) => 'by' in m), 'API clients see the membership event exactly as before');
    const fact = (await membershipFacts(t, 'den')).findLast((m) => m.username === 'carol');
    assert.equal(fact?.action, 'join');
    assert.equal(fact?.by, (await t.adminStore.users.byUsername('alice'))?.id, 'the log says who invited');

    const page = await get(t, invited.location ?? '', alice);
    assert.match(page.text, /role="status">carol \(carol\) is now a member\./);

    const again = await post(t, '/room/den/members/invite', alice, { username: 'carol' });
    assert.equal(again.location, '/room/den/members?already=carol');
  });

  it('an unknown user (or a guest) is a clear error on the form, and nobody joins', async () => {
    const unknown = await post(t, '/room/den/members/invite', alice, { username: 'nobody<b>' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /role="alert">There is no user “nobody&lt;b&gt;”/);
    assert.match(unknown.text, /id="invite-username"[\s\S]*?value="nobody&lt;b&gt;"/, 'what was typed stays');

    const guestEntered = await postForm(t.url, '/room/yard/guest', { nickname: 'Wanderer' });
    await guestEntered.text();
    const guests = (await t.adminStore.rooms.members('yard')).filter((m) => m.username.startsWith('guest_'));
    assert.equal(guests.length, 1);
    const guest = await post(t, '/room/den/members/invite', alice, { username: guests[0]?.username ?? '' });
    assert.equal(guest.status, 404, 'guests are not invited: their accounts end with their sessions');
    assert.equal(await isMember(t, 'den', guests[0]?.username ?? ''), false);
  });

  it('nobody but the owner may invite, remove or make links: 403 for members and on public rooms', async () => {
    await t.admin.join('den', 'dave').catch(() => undefined);
    const attempts: Array<[string, Record<string, string>]> = [
      ['/members/invite', { username: 'carol' }],
      ['/members/remove', { username: 'dave' }],
      ['/members/link', {}],
      ['/members/unlink', {}],
    ];
    for (const [path, fields] of attempts) {
      const member = await post(t, `/room/den${path}`, bob, fields);
      assert.equal(member.status, 403, `a member posting ${path}`);
      assert.match(member.text, /Only the owner of “The &lt;Den&gt;” may manage its members/);
      const outsider = await post(t, `/room/yard${path}`, carol, fields);
      assert.equal(outsider.status, 403, `a non-owner posting ${path} on a public room`);
    }
    const hidden = await post(t, '/room/den/members/invite', await webUser(t, 'erin'), { username: 'erin' });
    assert.equal(hidden.status, 404, 'a private room stays hidden from outsiders, even here');
    assert.equal(await isMember(t, 'den', 'erin'), false);
    assert.ok(await isMember(t, 'den', 'dave'), 'the member posting remove changed nothing');
    assert.equal(await t.adminStore.rooms.invitation('den'), undefined);

    // The owner's own posts need the page token like every form.
    const forged = await post(t, '/room/den/members/invite', undefined, { username: 'erin' });
    assert.equal(forged.status, 303);
    assert.match(forged.location ?? '', /^\/signin\?next=/);
    const noToken = await postForm(t.url, '/room/den/members/invite', { username: 'erin' }, alice.cookie);
    await noToken.text();
    assert.equal(noToken.status, 403);
    assert.equal(await isMember(t, 'den', 'erin'), false);
  });

  it('the owner removes a member, who loses the private room at once: pages, archives, API and live events', async () => {
    await t.admin.join('den', 'dave').catch(() => undefined);
    const counter = (await t.api('room/subscribe', { session: dave.session, room: 'den' })).counter as number;
    const ws = openSocket(
      `${t.url.replace('http', 'ws')}/api/event/ws?session=${dave.session}&counter=${counter}`,
    );
    await ws.opened;
    await t.api('room/say', { session: alice.session, room: 'den', text: 'before removal' });
    await until(() => texts(ws.replies).includes('before removal'));

    const removed = await post(t, '/room/den/members/remove', alice, { username: 'dave' });
    assert.equal(removed.status, 303, removed.text);
    assert.equal(removed.location, '/room/den/members?removed=dave');
    assert.equal(await isMember(t, 'den', 'dave'), false);
    await t.api('room/say', { session: alice.session, room: 'den', text: 'after removal' });

    assert.deepEqual(await within(ws.closed, 'the removed member’s WebSocket closes'), {
      code: 4100,
      reason: 'resubscribe',
    });
    assert.ok(!texts(ws.replies).includes('after removal'));
    const observed = (await t.api('event/observe', { session: dave.session, counter })) as unknown as Reply;
    assert.ok(!texts([observed]).includes('after removal'), 'an observe from before gets none of it');
    assert.equal((await get(t, '/room/den', dave)).status, 404);
    assert.equal((await get(t, '/room/den/archives', dave)).status, 404);
    assert.equal((await get(t, '/room/den/members', dave)).status, 404);
    const shown = await t.api('room/show', { session: dave.session, room: 'den' });
    assert.equal(shown.code, 'not_found');
    const archives = await t.api('room/get_archives', { session: dave.session, room: 'den' });
    assert.equal(archives.code, 'not_found');
    const said = await t.api('room/say', { session: dave.session, room: 'den', text: 'still here?' });
    assert.equal(said.status, 'error');

    const fact = (await membershipFacts(t, 'den')).findLast((m) => m.username === 'dave');
    assert.equal(fact?.action, 'quit');
    assert.equal(fact?.by, (await t.adminStore.users.byUsername('alice'))?.id);

    const owner = await post(t, '/room/den/members/remove', alice, { username: 'alice' });
    assert.equal(owner.status, 403, 'the owner is not removed');
    assert.ok(await isMember(t, 'den', 'alice'));
    const notMember = await post(t, '/room/den/members/remove', alice, { username: 'dave' });
    assert.equal(notMember.status, 404);
  });

  it('an invitation link: a visitor signs in, comes back to it and joins with one button', async () => {
    const made = await post(t, '/room/den/members/link', alice);
    assert.equal(made.location, '/room/den/members?link=new');
    const link = linkOf((await get(t, '/room/den/members', alice)).text);
    assert.ok(link, 'the owner sees the link');
    const { pathname } = new URL(link);
    assert.match(pathname, /^\/room\/den\/invite\/[A-Za-z0-9]{24}$/);
    assert.equal(linkOf((await get(t, '/room/den/members', bob)).text), undefined, 'members do not see it');

    const signedOut = await get(t, pathname);
    assert.equal(signedOut.status, 303);
    assert.equal(signedOut.location, `/signin?next=${encodeURIComponent(pathname)}`);
    await t.admin.addUser({ username: 'frank', password: 'password1', name: 'Frank' });
    const signIn = await postForm(t.url, '/signin', {
      username: 'frank',
      password: 'password1',
      next: decodeURIComponent(signedOut.location?.split('next=')[1] ?? ''),
    });
    await signIn.text();
    assert.equal(signIn.headers.get('location'), pathname, 'signing in comes back to the link');
    const frank = await webSignIn(t.url, 'frank', 'password1');

    const invitation = await get(t, pathname, frank);
    assert.equal(invitation.status, 200);
    assert.match(invitation.text, /You are invited to The &lt;Den&gt;/);
    assert.equal(await isMember(t, 'den', 'frank'), false, 'following the link alone changes nothing');
    const forged = await post(t, pathname, frank, { csrf: 'forged' });
    assert.equal(forged.status, 403, 'joining takes the page token');
    assert.equal(await isMember(t, 'den', 'frank'), false);

    const joined = await post(t, pathname, frank);
    assert.equal(joined.status, 303);
    assert.equal(joined.location, '/room/den');
    assert.ok(await isMember(t, 'den', 'frank'));
    assert.equal((await get(t, '/room/den', frank)).status, 200);
    assert.equal((await get(t, pathname, frank)).location, '/room/den', 'a member following it goes in');
  });

  it('someone without an account signs up from the link’s sign-in page and comes back to it', async () => {
    const link = new URL(linkOf((await get(t, '/room/den/members', alice)).text) ?? '').pathname;
    const signInPage = await get(t, (await get(t, link)).location ?? '');
    const signUpHref = /href="(\/signup[^"]*)">Create an account/
      .exec(signInPage.text)?.[1]
      ?.replaceAll('&amp;', '&');
    assert.equal(signUpHref, `/signup?next=${encodeURIComponent(link)}`);
    const form = await get(t, signUpHref ?? '');
    assert.match(form.text, new RegExp(`name="next" value="${link}"`));
    const signedUp = await postForm(t.url, '/signup', {
      username: 'newbie',
      name: 'Newbie',
      password: 'password1',
      next: link,
    });
    await signedUp.text();
    assert.equal(signedUp.status, 303);
    assert.equal(signedUp.headers.get('location'), link);
    const newbie = await webSignIn(t.url, 'newbie', 'password1');
    assert.equal((await post(t, link, newbie)).location, '/room/den');
    assert.ok(await isMember(t, 'den', 'newbie'));
  });

  it('a new link replaces the old one, and a link turned off no longer works', async () => {
    const first = new URL(linkOf((await get(t, '/room/den/members', alice)).text) ?? '').pathname;
    await post(t, '/room/den/members/link', alice);
    const second = new URL(linkOf((await get(t, '/room/den/members', alice)).text) ?? '').pathname;
    assert.notEqual(first, second);

    const grace = await webUser(t, 'grace');
    const old = await get(t, first, grace);
    assert.equal(old.status, 404);
    assert.match(old.text, /This invitation link does not work/);
    assert.equal((await post(t, first, grace)).status, 404);
    assert.equal(await isMember(t, 'den', 'grace'), false);

    const off = await post(t, '/room/den/members/unlink', alice);
    assert.equal(off.location, '/room/den/members?link=off');
    const page = (await get(t, '/room/den/members', alice)).text;
    assert.equal(linkOf(page), undefined);
    assert.match(page, /Create an invitation link/);
    assert.equal((await get(t, second, grace)).status, 404);
    assert.equal((await post(t, second, grace)).status, 404);
    assert.equal((await post(t, '/room/den/invite/not-a-token!', grace)).status, 404);
    assert.equal(await isMember(t, 'den', 'grace'), false);
    assert.equal((await get(t, '/room/den', grace)).status, 404);
  });

  it('a guest following a link is sent to sign in, and a guest cannot join with it', async () => {
    await post(t, '/room/yard/members/link', alice);
    const link = new URL(linkOf((await get(t, '/room/yard/members', alice)).text) ?? '').pathname;
    const entered = await postForm(t.url, '/room/yard/guest', { nickname: 'Passer By' });
    await entered.text();
    const cookie = cookieOf(entered);
    const followed = await fetch(`${t.url}${link}`, { redirect: 'manual', headers: { cookie } });
    await followed.text();
    assert.equal(followed.status, 303);
    assert.equal(followed.headers.get('location'), `/signin?next=${encodeURIComponent(link)}`);
  });

  it('deleting a room takes its link with it', async () => {
    await t.admin.addRoom({ id: 'brief', name: 'Brief', owner: 'alice', isPublic: false });
    await post(t, '/room/brief/members/link', alice);
    assert.ok(await t.adminStore.rooms.invitation('brief'));
    const deleted = await post(t, '/room/brief/delete', alice, { confirm: 'yes' });
    assert.equal(deleted.status, 303);
    assert.equal(await t.adminStore.rooms.invitation('brief'), undefined);
  });
});
