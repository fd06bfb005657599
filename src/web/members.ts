import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChatError, notFound } from '../core/chat-error.js';
import type { Chat } from '../engine/chat.js';
import type { Invitation, MembersPage } from '../engine/queries.js';
import { phrase } from '../core/error-text.js';
import { ID_PATTERN } from '../core/ids.js';
import { ErrorCode } from '../protocol/errors.js';
import { botBadge, botIconOf, botPath, iconOf, visuallyHidden } from './fragments.js';
import { html, type SafeHtml } from './html.js';
import type { Translator } from './i18n/translator.js';
import { page } from './layout.js';
import { viewerOf, type Page, type Visitor, type WebPages } from './pages.js';

/** Invitation tokens are base62; anything else is not worth a lookup. */
const TOKEN_PATTERN = /^[A-Za-z0-9]{1,64}$/;

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.notFound]: 404,
  [ErrorCode.forbidden]: 403,
  [ErrorCode.rateLimited]: 429,
};

/** What the members pages need from the routes: sending, and the signed-in visitor of a request or post. */
export interface MembersKit {
  chat: Pick<Chat, 'rooms' | 'queries' | 'bots'>;
  pages: WebPages;
  publicUrl: string;
  sendPage(res: ServerResponse, page: Page): void;
  redirect(res: ServerResponse, location: string): void;
  /**
   * The visitor a form post acts as, once its anti-forgery token checks out; otherwise the post has been
   * answered (sign in first, or 403) and this is undefined. `back` is where to come back to.
   */
  poster(
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
    back: string,
  ): Promise<Visitor | undefined>;
}

export const membersPath = (roomId: string) => `/room/${roomId}/members`;
export const invitationPath = (roomId: string, token: string) => `/room/${roomId}/invite/${token}`;

/** What the last action did, as the page after it says it (from its query string). */
export interface Done {
  invited?: string;
  already?: string;
  removed?: string;
  link?: string;
  botAdded?: string;
  botRemoved?: string;
}

interface FormState {
  error?: string;
  status?: number;
  username?: string;
  /** What was typed in the add-a-bot field. */
  bot?: string;
}

function doneNotice(tr: Translator, view: MembersPage, done: Done): SafeHtml | string {
  const nameOf = (username: string) =>
    view.members.find((m) => m.member.username === username)?.member.name ?? username;
  const say = (text: string) => html`<p class="form-saved" role="status">${text}</p>`;
  if (done.invited)
    return say(tr.t('members.invited', { name: nameOf(done.invited), username: done.invited }));
  if (done.already)
    return say(tr.t('members.already', { name: nameOf(done.already), username: done.already }));
  if (done.removed) return say(tr.t('members.removed', { username: done.removed }));
  if (done.link === 'new') return say(tr.t('members.linkNew'));
  if (done.link === 'off') return say(tr.t('members.linkOff'));
  if (done.botAdded) {
    const bot = view.bots.find((b) => b.bot.id === done.botAdded)?.bot;
    return say(tr.t('members.botAdded', { bot: bot ? `${bot.name} (${bot.id})` : done.botAdded }));
  }
  if (done.botRemoved) return say(tr.t('members.botRemoved', { bot: done.botRemoved }));
  return '';
}

/** The members page: who belongs to a room, and for its owner, inviting, removing and the invitation link. */
function membersPage(
  tr: Translator,
  view: MembersPage,
  visitor: Visitor | undefined,
  publicUrl: string,
  done: Done = {},
  state: FormState = {},
): Page {
  const { room } = view;
  const manage = view.isOwner && visitor !== undefined;
  const now = Date.now();
  const csrf = visitor ? html`<input type="hidden" name="csrf" value="${visitor.csrfToken}" />` : '';
  const link =
    view.invitation === undefined ? undefined : `${publicUrl}${invitationPath(room.id, view.invitation)}`;
  return {
    status: state.status ?? 200,
    body: page({
      tr,
      title: `${tr.t('members.heading', { room: room.name })} — Lingr`,
      viewer: viewerOf(visitor),
      body: html`<main class="members">
        <p class="crumbs"><a href="/room/${room.id}">← ${room.name}</a></p>
        <h1>${tr.t('members.heading', { room: room.name })}</h1>
        <p class="hint">${tr.t(room.isPublic ? 'members.public' : 'members.private')}</p>
        ${doneNotice(tr, view, done)}
        ${state.error ? html`<p class="form-error" role="alert">${state.error}</p>` : ''}
        <div class="members-layout${manage ? ' managed' : ''}">
          <div class="lists">
            <section aria-labelledby="members-heading">
              <h2 id="members-heading">${tr.t('members.count', { count: view.members.length })}</h2>
              <ul class="member-list" aria-label="${tr.t('room.members')}">
                ${view.members.map(
                  ({ member: m, online }) =>
                    html`<li data-username="${m.username}">
                      <img class="icon" src="${iconOf(m.username)}" alt="" width="32" height="32" />
                      <span class="who">
                        <span class="name">${m.name}</span>
                        <span class="username">${m.username}</span>
                      </span>
                      <span class="facts">
                        ${m.isOwner ? html`<span class="owner-badge">${tr.t('live.owner')}</span>` : ''}
                        ${online ? html`<span class="online">${tr.t('status.online')}</span>` : ''}
                        <span class="since"
                          >${tr.h('members.since', {
                            when: html`<time
                              datetime="${new Date(m.joinedAt).toISOString()}"
                              title="${tr.fullDate(m.joinedAt, room.timezone)}"
                              >${tr.ago(m.joinedAt, now)}</time
                            >`,
                          })}</span
                        >
                      </span>
                      <span class="actions">
                        ${
                          manage && !m.isOwner
                            ? html`<form method="post" action="${membersPath(room.id)}/remove">
                                ${csrf}<input type="hidden" name="username" value="${m.username}" />
                                <button type="submit" class="secondary remove">
                                  ${tr.h('members.remove', {
                                    who: visuallyHidden(tr.t('members.removeName', { name: m.name })),
                                  })}
                                </button>
                              </form>`
                            : ''
                        }
                      </span>
                    </li>`,
                )}
              </ul>
            </section>
            ${botsSection(tr, view, manage, csrf)}
          </div>
          ${
            manage
              ? html`<div class="manage">
                  <section aria-labelledby="invite-heading">
                    <h2 id="invite-heading">${tr.t('members.invite')}</h2>
                    <form method="post" action="${membersPath(room.id)}/invite" class="invite">
                      ${csrf}
                      <label for="invite-username">${tr.t('form.username')}</label>
                      <input
                        id="invite-username"
                        name="username"
                        required
                        maxlength="40"
                        autocomplete="off"
                        aria-describedby="invite-hint"
                        value="${state.username ?? ''}"
                      />
                      <button type="submit">${tr.t('members.inviteButton')}</button>
                    </form>
                    <p id="invite-hint" class="hint">${tr.t('members.inviteHint')}</p>
                  </section>
                  <section aria-labelledby="add-bot-heading">
                    <h2 id="add-bot-heading">${tr.t('members.addBot')}</h2>
                    <form method="post" action="${membersPath(room.id)}/add-bot" class="invite">
                      ${csrf}
                      <label for="add-bot-id">${tr.t('bots.id')}</label>
                      <input
                        id="add-bot-id"
                        name="bot"
                        required
                        maxlength="40"
                        autocomplete="off"
                        aria-describedby="add-bot-hint"
                        value="${state.bot ?? ''}"
                      />
                      <button type="submit">${tr.t('members.add')}</button>
                    </form>
                    <p id="add-bot-hint" class="hint">
                      ${tr.h('members.addBotHint', {
                        path: html`/bot/<em>${tr.t('roomForm.idWord')}</em>`,
                        link: html`<a href="/bots">${tr.t('members.registerYourOwn')}</a>`,
                      })}
                    </p>
                  </section>
                  <section aria-labelledby="link-heading">
                    <h2 id="link-heading">${tr.t('members.link')}</h2>
                    ${
                      link
                        ? html`<p class="hint">${tr.t('members.linkHint')}</p>
                            <label for="invitation-link" class="visually-hidden"
                              >${tr.t('members.link')}</label
                            >
                            <input id="invitation-link" class="link-box" readonly value="${link}" />
                            <div class="link-actions">
                              <form method="post" action="${membersPath(room.id)}/link">
                                ${csrf}<button type="submit" class="secondary">
                                  ${tr.t('members.newLink')}
                                </button>
                              </form>
                              <form method="post" action="${membersPath(room.id)}/unlink">
                                ${csrf}<button type="submit" class="secondary">
                                  ${tr.t('members.linkOffButton')}
                                </button>
                              </form>
                            </div>
                            <p class="hint">${tr.t('members.linkReplaces')}</p>`
                        : html`<p class="hint">${tr.t('members.noLink')}</p>
                            <form method="post" action="${membersPath(room.id)}/link">
                              ${csrf}<button type="submit">${tr.t('members.createLink')}</button>
                            </form>`
                    }
                  </section>
                </div>`
              : ''
          }
        </div>
      </main>`,
    }),
  };
}

/** The room's bots after its members (spec 8); its owner may take each out. */
function botsSection(
  tr: Translator,
  view: MembersPage,
  manage: boolean,
  csrf: SafeHtml | string,
): SafeHtml | string {
  const { room, bots } = view;
  if (bots.length === 0 && !manage) return '';
  return html`<section aria-labelledby="bots-heading">
    <h2 id="bots-heading">${tr.t('bots.count', { count: bots.length })}</h2>
    ${
      bots.length === 0
        ? html`<p class="empty">${tr.t('members.noBots')}</p>`
        : html`<ul class="member-list" aria-labelledby="bots-heading">
            ${bots.map(
              ({ bot, online }) =>
                html`<li data-bot="${bot.id}">
                  <img class="icon" src="${botIconOf(bot.id)}" alt="" width="32" height="32" />
                  <span class="who">
                    <a class="name" href="${botPath(bot.id)}">${bot.name}</a>
                    <span class="username">${bot.id}</span>
                  </span>
                  <span class="facts">
                    ${botBadge(tr)}
                    ${
                      online
                        ? html`<span class="online">${tr.t('status.online')}</span>`
                        : html`<span class="offline">${tr.t('status.offline')}</span>`
                    }
                  </span>
                  <span class="actions">
                    ${
                      manage
                        ? html`<form method="post" action="${membersPath(room.id)}/remove-bot">
                            ${csrf}<input type="hidden" name="bot" value="${bot.id}" />
                            <button type="submit" class="secondary remove">
                              ${tr.h('members.remove', {
                                who: visuallyHidden(tr.t('members.removeName', { name: bot.name })),
                              })}
                            </button>
                          </form>`
                        : ''
                    }
                  </span>
                </li>`,
            )}
          </ul>`
    }
  </section>`;
}

/** Where an invitation link leads a signed-in person who is not yet a member: one button to join. */
function invitationPage(tr: Translator, view: Invitation, token: string, visitor: Visitor): Page {
  const { room } = view;
  return {
    status: 200,
    body: page({
      tr,
      title: `${tr.t('invitation.join', { room: room.name })} — Lingr`,
      viewer: viewerOf(visitor),
      body: html`<main class="notice invitation">
        <h1>${tr.t('invitation.heading', { room: room.name })}</h1>
        ${view.owner ? html`<p>${tr.t('invitation.by', { owner: view.owner })}</p>` : ''}
        ${room.blurb ? html`<p class="blurb">${room.blurb}</p>` : ''}
        <p class="hint">
          ${tr.t(room.isPublic ? 'invitation.public' : 'invitation.private', { count: view.members })}
        </p>
        <form method="post" action="${invitationPath(room.id, token)}">
          <input type="hidden" name="csrf" value="${visitor.csrfToken}" />
          <button type="submit">${tr.t('invitation.join', { room: room.name })}</button>
        </form>
        <p><a href="/">${tr.t('invitation.notNow')}</a></p>
      </main>`,
    }),
  };
}

function doneOf(query: Map<string, string>): Done {
  const done: Done = {};
  for (const key of ['invited', 'already', 'removed', 'link'] as const) {
    const value = query.get(key);
    if (value) done[key] = value.slice(0, 40);
  }
  const added = query.get('bot_added');
  const removed = query.get('bot_removed');
  if (added) done.botAdded = added.slice(0, 40);
  if (removed) done.botRemoved = removed.slice(0, 40);
  return done;
}

/**
 * The members page of a room and the invitation links: `get` and `post` answer the paths under
 * `/room/ID/` they know (true) and leave the rest to the caller (false).
 */
export function memberRoutes(kit: MembersKit) {
  const { chat, pages } = kit;
  const { rooms, queries } = chat;

  const problem = (tr: Translator, res: ServerResponse, err: ChatError) =>
    kit.sendPage(res, pages.problem(tr, STATUS[err.code] ?? 400, tr.error(err)));

  /** The members page again, with what went wrong in the form (or the problem page if it cannot show). */
  const formError = async (
    tr: Translator,
    res: ServerResponse,
    roomId: string,
    visitor: Visitor,
    err: ChatError,
    typed: { username?: string; bot?: string },
  ) => {
    const view = await queries.membersPage(roomId, visitor.session.userId);
    if (!view?.isOwner) return problem(tr, res, err);
    kit.sendPage(
      res,
      membersPage(
        tr,
        view,
        visitor,
        kit.publicUrl,
        {},
        { error: tr.error(err), status: STATUS[err.code], ...typed },
      ),
    );
  };

  /** A post of the members page: only the room's owner gets anywhere with it (the engine says so). */
  const manage = async (
    tr: Translator,
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
    roomId: string,
    action: string,
  ): Promise<boolean> => {
    if (!['invite', 'remove', 'link', 'unlink', 'add-bot', 'remove-bot'].includes(action)) return false;
    const back = membersPath(roomId);
    const visitor = await kit.poster(req, res, form, back);
    if (!visitor) return true;
    const s = visitor.session;
    const username = (form.get('username') ?? '').trim();
    const botId = (form.get('bot') ?? '').trim();
    const actor = { userId: s.userId };
    try {
      if (action === 'invite') {
        const { user, joined } = await rooms.invite(s, roomId, username);
        kit.redirect(res, `${back}?${joined ? 'invited' : 'already'}=${encodeURIComponent(user.username)}`);
      } else if (action === 'remove') {
        const user = await rooms.removeMember(s, roomId, username);
        kit.redirect(res, `${back}?removed=${encodeURIComponent(user.username)}`);
      } else if (action === 'add-bot') {
        if (!ID_PATTERN.test(botId)) throw notFound(phrase('noBot', { bot: botId }));
        await chat.bots.addToRoom(actor, roomId, botId);
        kit.redirect(res, `${back}?bot_added=${encodeURIComponent(botId)}`);
      } else if (action === 'remove-bot') {
        await chat.bots.removeFromRoom(actor, roomId, botId);
        kit.redirect(res, `${back}?bot_removed=${encodeURIComponent(botId)}`);
      } else if (action === 'link') {
        await rooms.newInvitation(s, roomId);
        kit.redirect(res, `${back}?link=new`);
      } else {
        await rooms.revokeInvitation(s, roomId);
        kit.redirect(res, `${back}?link=off`);
      }
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      if (action === 'invite' && err.code === ErrorCode.notFound)
        await formError(tr, res, roomId, visitor, err, { username });
      else if (action === 'add-bot' && err.code === ErrorCode.notFound)
        await formError(tr, res, roomId, visitor, err, { bot: botId });
      else problem(tr, res, err);
    }
    return true;
  };

  /** Following an invitation link: sign in first (a guest too), then one button to join. */
  const invitation = async (
    tr: Translator,
    res: ServerResponse,
    roomId: string,
    token: string,
    visitor: Visitor | undefined,
  ): Promise<void> => {
    const here = invitationPath(roomId, token);
    if (!visitor || visitor.session.guest)
      return kit.redirect(res, `/signin?next=${encodeURIComponent(here)}`);
    const view = TOKEN_PATTERN.test(token)
      ? await queries.invitedTo(roomId, token, visitor.session.userId)
      : undefined;
    if (!view) return kit.sendPage(res, pages.notFound(tr, tr.t('error.invitationGone')));
    if (view.isMember) return kit.redirect(res, `/room/${roomId}`);
    kit.sendPage(res, invitationPage(tr, view, token, visitor));
  };

  return {
    /** GET /room/ID/members and /room/ID/invite/TOKEN. */
    async get(
      tr: Translator,
      res: ServerResponse,
      roomId: string,
      rest: readonly string[],
      query: Map<string, string>,
      visitor: Visitor | undefined,
    ): Promise<boolean> {
      if (rest.length === 1 && rest[0] === 'members') {
        const view = await queries.membersPage(roomId, visitor?.session.userId);
        kit.sendPage(
          res,
          view
            ? membersPage(tr, view, visitor, kit.publicUrl, doneOf(query))
            : pages.notFound(tr, tr.t('notFound.room', { room: roomId })),
        );
        return true;
      }
      if (rest.length === 2 && rest[0] === 'invite' && rest[1]) {
        await invitation(tr, res, roomId, rest[1], visitor);
        return true;
      }
      return false;
    },

    /** POST /room/ID/members/{invite,remove,link,unlink} and /room/ID/invite/TOKEN. */
    async post(
      tr: Translator,
      req: IncomingMessage,
      res: ServerResponse,
      form: Map<string, string>,
      roomId: string,
      rest: readonly string[],
    ): Promise<boolean> {
      if (rest.length === 2 && rest[0] === 'members' && rest[1])
        return manage(tr, req, res, form, roomId, rest[1]);
      if (rest.length !== 2 || rest[0] !== 'invite' || !rest[1]) return false;
      const token = rest[1];
      const here = invitationPath(roomId, token);
      const visitor = await kit.poster(req, res, form, here);
      if (!visitor) return true;
      if (visitor.session.guest) {
        kit.redirect(res, `/signin?next=${encodeURIComponent(here)}`);
        return true;
      }
      try {
        if (!TOKEN_PATTERN.test(token)) throw ChatError.phrased(ErrorCode.notFound, phrase('invitationGone'));
        const room = await rooms.acceptInvitation(visitor.session, roomId, token);
        kit.redirect(res, `/room/${room.id}`);
      } catch (err) {
        if (!(err instanceof ChatError)) throw err;
        problem(tr, res, err);
      }
      return true;
    },
  };
}
