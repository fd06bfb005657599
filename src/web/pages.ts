import type { MemberView, Message } from '../core/model.js';
import type { LiveSession } from '../engine/live-session.js';
import type { Queries, RoomBot, RoomWithUnread } from '../engine/queries.js';
import { ArchivePages, dayPath } from './archives.js';
import { badgeSnippet } from './badge.js';
import {
  botBadge,
  botIconOf,
  botPath,
  iconOf,
  messageItem,
  roomList,
  tagLinks,
  unreadLabel,
  unreadText,
  withDayDividers,
} from './fragments.js';
import { html, linkify, type SafeHtml } from './html.js';
import type { Key } from './i18n/catalog.js';
import type { Translator } from './i18n/translator.js';
import { page, type Viewer } from './layout.js';
import { assetUrl } from './static-assets.js';
import { localDate } from './time-format.js';

export interface Page {
  status: number;
  body: string;
}

const STARRED_LIMIT = 200;

const PROBLEM_HEADINGS: Partial<Record<number, Key>> = {
  403: 'problem.403',
  404: 'problem.404',
  429: 'problem.429',
};

/** Someone signed in, as the pages see them: the session and the form token of this browser. */
export interface Visitor {
  session: LiveSession;
  csrfToken: string;
  /** A site administrator: the header links to /admin. */
  admin?: boolean;
}

/** The page header's view of a signed-in visitor. */
export const viewerOf = (v: Visitor | undefined): Viewer | undefined =>
  v && {
    username: v.session.username,
    name: v.session.userName,
    csrfToken: v.csrfToken,
    guest: v.session.guest,
    admin: v.admin === true,
  };

/** Server-rendered pages: readable without JavaScript, every piece of user text escaped. */
export class WebPages {
  private readonly archive: ArchivePages;

  constructor(
    private readonly queries: Queries,
    private readonly publicUrl: string,
  ) {
    this.archive = new ArchivePages(queries);
  }

  async explore(tr: Translator, query: string | undefined, visitor?: Visitor): Promise<Page> {
    const viewer = viewerOf(visitor);
    const session = visitor?.session;
    if (query !== undefined) {
      const found = await this.queries.search(query);
      return {
        status: 200,
        body: page({
          tr,
          title: `${tr.t('quoted', { text: query })} — Lingr`,
          query,
          viewer,
          body: html`<main class="explore">
            <h1>${tr.t('explore.matching', { query })}</h1>
            ${roomList(tr, found, tr.t('explore.noMatch'))}
            <p class="more">
              <a href="/search?q=${encodeURIComponent(query)}">${tr.t('explore.searchLines', { query })}</a>
            </p>
          </main>`,
        }),
      };
    }
    const { hot, newest, tags, mine, counter } = await this.queries.explore(session?.userId);
    const linesIn = new Map(hot.map((h) => [h.room.id, h.lines]));
    const unread = new Map(mine.map((m) => [m.room.id, m.unread]));
    const max = Math.max(1, ...tags.map((t) => t.rooms));
    return {
      status: 200,
      body: page({
        tr,
        title: tr.t('explore.title'),
        viewer,
        // Signed in, the live client keeps "Your rooms" unread counts current.
        meta: session
          ? {
              room: '',
              counter: String(counter),
              username: session.username,
              name: session.userName,
              messages: JSON.stringify(tr.messages('live.')),
            }
          : undefined,
        script: session ? '/static/room.js' : undefined,
        body: html`<main class="explore">
          <h1>${tr.t('explore.heading')}</h1>
          ${
            session
              ? html`<section aria-labelledby="mine-heading">
                  <h2 id="mine-heading">${tr.t('rooms.yours')}</h2>
                  ${roomList(
                    tr,
                    mine.map((m) => m.room),
                    tr.t('explore.noneJoined'),
                    undefined,
                    (r) => unread.get(r.id) ?? 0,
                  )}
                </section>`
              : ''
          }
          <section aria-labelledby="hot-heading">
            <h2 id="hot-heading">${tr.t('explore.hot')}</h2>
            ${roomList(
              tr,
              hot.map((h) => h.room),
              tr.t('explore.noneHot'),
              (r) => tr.t('explore.linesToday', { count: linesIn.get(r.id) ?? 0 }),
            )}
          </section>
          <section aria-labelledby="new-heading">
            <h2 id="new-heading">${tr.t('explore.new')}</h2>
            ${roomList(tr, newest, tr.t('explore.noRooms'))}
          </section>
          <section aria-labelledby="tags-heading">
            <h2 id="tags-heading">${tr.t('explore.tags')}</h2>
            ${
              tags.length === 0
                ? html`<p class="empty">${tr.t('explore.noTags')}</p>`
                : html`<ul class="tag-cloud">
                    ${tags.map(
                      (t) =>
                        html`<li class="weight-${Math.ceil((t.rooms / max) * 4)}">
                          <a href="/tag/${encodeURIComponent(t.tag)}">${t.tag}</a>
                          <span class="count">${t.rooms}</span>
                        </li>`,
                    )}
                  </ul>`
            }
          </section>
        </main>`,
      }),
    };
  }

  async tag(tr: Translator, name: string, visitor?: Visitor): Promise<Page> {
    const rooms = await this.queries.tag(name);
    return {
      status: rooms.length === 0 ? 404 : 200,
      body: page({
        tr,
        title: `${name} — Lingr`,
        viewer: viewerOf(visitor),
        body: html`<main class="explore">
          <h1>${tr.t('tag.heading', { tag: name })}</h1>
          ${roomList(tr, rooms, tr.t('tag.none'))}
        </main>`,
      }),
    };
  }

  /**
   * The room. A signed-in viewer also gets the live client: a message box when a member, a join button
   * otherwise. `counter` is taken before the backlog is read, so the client resumes with no gap. The page
   * is laid out to the window: the conversation scrolls above a message box that is always in view.
   */
  async room(tr: Translator, id: string, visitor?: Visitor): Promise<Page> {
    const viewer = visitor?.session;
    const view = await this.queries.roomPage(id, viewer?.userId);
    if (!view) return this.notFound(tr, tr.t('notFound.room', { room: id }));
    const { room, counter, messages, chatters, owners, bots, related, mine, starred } = view;
    const member = view.membership !== undefined;
    const csrf = visitor ? html`<input type="hidden" name="csrf" value="${visitor.csrfToken}" />` : '';
    const permalink = (m: Message) => dayPath(room.id, localDate(m.createdAt, room.timezone));
    return {
      status: 200,
      body: page({
        tr,
        title: `${room.name} — Lingr`,
        viewer: viewerOf(visitor),
        bodyClass: 'room-page',
        skipTo: member ? { href: '#say-text', label: tr.t('room.skip') } : undefined,
        meta: viewer
          ? {
              room: room.id,
              counter: String(counter),
              'public-id': viewer.publicId,
              username: viewer.username,
              name: viewer.userName,
              timezone: room.timezone,
              member: member ? 'yes' : 'no',
              owners: owners.join(' '),
              messages: JSON.stringify(tr.messages('live.')),
            }
          : undefined,
        script: viewer ? assetUrl('room.js') : undefined,
        body: html`<main class="room">
          <section class="conversation" aria-labelledby="room-title">
            <header class="room-header">
              <div class="title-row">
                <h1 id="room-title">${room.name}</h1>
                ${
                  viewer
                    ? html`<p class="connection" role="status" aria-live="polite" hidden>
                        ${tr.t('live.connecting')}
                      </p>`
                    : ''
                }
                <a class="info-toggle" href="#room-info">${tr.t('live.roomInfo')}</a>
              </div>
              ${
                room.blurb
                  ? html`<details class="blurb">
                      <summary>${tr.t('room.about')}</summary>
                      <p>${linkify(room.blurb)}</p>
                    </details>`
                  : ''
              }
              ${tagLinks(tr, room.tags)}
              <p class="timezone">
                ${tr.h('room.timezone', { zone: html`<span class="zone-name">${room.timezone}</span>` })}
                <span class="zone-choice"></span>
              </p>
            </header>
            ${messages.length === 0 ? html`<p class="empty">${tr.t('room.empty')}</p>` : ''}
            <ol class="messages" role="log" aria-label="${tr.t('room.messages')}" tabindex="0">
              ${withDayDividers(tr, messages, room.timezone, (m) =>
                messageItem(tr, m, room.timezone, permalink(m), viewer?.username, starred.has(m.id)),
              )}
            </ol>
            ${viewer ? html`<noscript><p class="hint">${tr.t('room.noscript')}</p></noscript>` : ''}
            ${
              member
                ? html`<form class="say" method="post" action="/room/${room.id}/say">
                    ${csrf}
                    <label for="say-text" class="visually-hidden">${tr.t('room.message')}</label>
                    <textarea
                      id="say-text"
                      name="text"
                      rows="2"
                      maxlength="10000"
                      required
                      placeholder="${tr.t('room.placeholder')}"
                    ></textarea>
                    <button type="submit">${tr.t('room.say')}</button>
                  </form>`
                : viewer
                  ? html`<form class="join" method="post" action="/room/${room.id}/join">
                      ${csrf}<button type="submit">${tr.t('room.join')}</button>
                    </form>`
                  : html`<form class="join guest" method="post" action="/room/${room.id}/guest">
                      <label for="guest-nickname">${tr.t('room.nickname')}</label>
                      <input
                        id="guest-nickname"
                        name="nickname"
                        required
                        maxlength="50"
                        autocomplete="nickname"
                      />
                      <button type="submit">${tr.t('room.enterAsGuest')}</button>
                      <span class="or"
                        >${tr.h('room.orSignIn', {
                          link: html`<a href="/signin?next=/room/${room.id}">${tr.t('room.signIn')}</a>`,
                        })}</span
                      >
                    </form>`
            }
          </section>
          <aside class="sidebar" id="room-info" aria-label="${tr.t('room.about')}">
            <a class="info-close" href="#room-title">${tr.t('room.closeInfo')}</a>
            ${viewer && !viewer.guest ? yourRooms(tr, mine, room.id) : ''}
            ${chattersList(tr, chatters, new Set(owners))} ${bots.length > 0 ? botsList(tr, bots) : ''}
            <nav aria-label="${tr.t('room.links')}">
              <ul>
                <li><a href="/room/${room.id}/archives">${tr.t('room.archives')}</a></li>
                <li>
                  <a href="/room/${room.id}/members"
                    >${tr.t(viewer && room.ownerId === viewer.userId ? 'room.membersAndInvitations' : 'room.members')}</a
                  >
                </li>
                ${viewer && !viewer.guest ? html`<li><a href="/starred">${tr.t('starred.heading')}</a></li>` : ''}
              </ul>
              ${
                viewer
                  ? html`<form class="nickname" method="post" action="/room/${room.id}/nickname">
                      ${csrf}
                      <label for="nickname-input">${tr.t('room.yourName')}</label>
                      <input
                        id="nickname-input"
                        name="nickname"
                        required
                        maxlength="50"
                        value="${viewer.userName}"
                      />
                      <button type="submit" class="secondary">${tr.t('room.change')}</button>
                    </form>`
                  : ''
              }
              ${
                member
                  ? html`<form method="post" action="/room/${room.id}/leave">
                      ${csrf}<button type="submit" class="secondary">${tr.t('room.leave')}</button>
                    </form>`
                  : ''
              }
              ${
                viewer && room.ownerId === viewer.userId
                  ? html`<details class="settings">
                      <summary>${tr.t('room.settings')}</summary>
                      <p><a href="/room/${room.id}/edit">${tr.t('room.edit')}</a></p>
                      <form method="post" action="/room/${room.id}/delete">
                        ${csrf}
                        <label
                          ><input type="checkbox" name="confirm" value="yes" required />
                          ${tr.t('room.deleteConfirm')}</label
                        >
                        <button type="submit" class="danger">${tr.t('room.delete')}</button>
                      </form>
                    </details>`
                  : ''
              }
            </nav>
            ${
              room.isPublic
                ? html`<section aria-labelledby="badge-heading">
                    <h2 id="badge-heading">${tr.t('room.badge')}</h2>
                    <label for="badge-snippet" class="hint">${tr.t('room.badgeHint')}</label>
                    <textarea id="badge-snippet" class="snippet" readonly rows="4">
${badgeSnippet(tr, this.publicUrl, room.id, room.name)}</textarea>
                    <p class="hint">${tr.t('room.badgeLanguage')}</p>
                  </section>`
                : ''
            }
            <section aria-labelledby="related-heading">
              <h2 id="related-heading">${tr.t('room.related')}</h2>
              ${roomList(tr, related, tr.t('room.noRelated'))}
            </section>
          </aside>
        </main>`,
      }),
    };
  }

  /** The viewer's starred lines across their rooms, the latest starred first. */
  async starred(tr: Translator, visitor: Visitor): Promise<Page> {
    const found = await this.queries.starred(visitor.session.userId, STARRED_LIMIT);
    return {
      status: 200,
      body: page({
        tr,
        title: `${tr.t('starred.title')} — Lingr`,
        viewer: viewerOf(visitor),
        body: html`<main class="archives starred">
          <h1>${tr.t('starred.heading')}</h1>
          ${
            found.length === 0
              ? html`<p class="empty">${tr.t('starred.empty')}</p>`
              : html`<ol class="messages results">
                  ${found.map(
                    ({ message, room }) =>
                      html`<li class="room-of"><a href="/room/${room.id}">${room.name}</a></li>
                        ${messageItem(
                          tr,
                          message,
                          room.timezone,
                          dayPath(room.id, localDate(message.createdAt, room.timezone)),
                          visitor.session.username,
                          true,
                        )}`,
                  )}
                </ol>`
          }
        </main>`,
      }),
    };
  }

  /** A room's archives, for anyone who may read the room (for now: public rooms). */
  async archives(tr: Translator, id: string, query: string | undefined, visitor?: Visitor): Promise<Page> {
    const room = await this.readable(id, visitor?.session);
    return room
      ? this.archive.index(tr, room, query, viewerOf(visitor))
      : this.notFound(tr, tr.t('notFound.room', { room: id }));
  }

  /** One page of a day of a room's archives (`pageNo` from 1). */
  async archiveDay(
    tr: Translator,
    id: string,
    date: string,
    pageNo: number,
    visitor?: Visitor,
  ): Promise<Page> {
    const room = await this.readable(id, visitor?.session);
    const day = room && (await this.archive.day(tr, room, date, pageNo, viewerOf(visitor)));
    return (
      day ?? this.notFound(tr, room ? tr.t('notFound.date', { date }) : tr.t('notFound.room', { room: id }))
    );
  }

  /** Where a line of a readable room is in its archives (day, page and fragment), or a page saying it is not. */
  async lineLocation(
    tr: Translator,
    id: string,
    messageId: number,
    visitor?: Visitor,
  ): Promise<string | Page> {
    const room = await this.readable(id, visitor?.session);
    const location = room && (await this.archive.locate(room, messageId));
    return location ?? this.notFound(tr, room ? tr.t('notFound.line') : tr.t('notFound.room', { room: id }));
  }

  /** Public rooms for everyone; private rooms for their members only. */
  private async readable(id: string, viewer?: LiveSession) {
    return (await this.queries.visible(id, viewer?.userId))?.room;
  }

  notFound(tr: Translator, detail = tr.t('notFound.nothing')): Page {
    return this.problem(tr, 404, detail);
  }

  /** A finished page for a refused or failed request, headed by what the status means to a reader. */
  problem(tr: Translator, status: number, detail: string): Page {
    const heading = tr.t(PROBLEM_HEADINGS[status] ?? 'problem.other');
    return {
      status,
      body: page({
        tr,
        title: `${heading} — Lingr`,
        body: html`<main class="notice">
          <h1>${heading}</h1>
          <p>${detail}</p>
          <p><a href="/">${tr.t('problem.back')}</a></p>
        </main>`,
      }),
    };
  }
}

/** The viewer's rooms beside the conversation; the live client keeps their unread counts. */
function yourRooms(tr: Translator, rooms: readonly RoomWithUnread[], current: string): SafeHtml {
  return html`<section class="your-rooms" aria-labelledby="your-rooms-heading">
    <h2 id="your-rooms-heading">${tr.t('rooms.yours')}</h2>
    ${
      rooms.length === 0
        ? html`<p class="empty">${tr.t('room.joinToSee')}</p>`
        : html`<ul>
            ${rooms.map(({ room, unread }) => {
              // The room on screen is being read: its count is the live client's to keep.
              const n = room.id === current ? 0 : unread;
              return html`<li data-room="${room.id}" ${room.id === current ? html` aria-current="page"` : ''}>
                <a href="/room/${room.id}">${room.name}</a>
                <span class="unread" aria-label="${unreadLabel(tr, n)}" ${n === 0 ? html` hidden` : ''}
                  >${unreadText(n)}</span
                >
              </li>`;
            })}
          </ul>`
    }
  </section>`;
}

/** Members online now; the owners marked (spec 8), as the live client marks them when they come online. */
function chattersList(
  tr: Translator,
  chatters: readonly MemberView[],
  owners: ReadonlySet<string>,
): SafeHtml {
  return html`<section class="chatters" aria-labelledby="chatters-heading">
    <h2 id="chatters-heading">${tr.t('live.chatters', { count: chatters.length })}</h2>
    <ul aria-label="${tr.t('live.chattersList')}">
      ${chatters.map(
        (m) =>
          html`<li data-username="${m.username}">
            <img class="icon" src="${iconOf(m.username)}" alt="" width="20" height="20" /> ${m.name}
            ${owners.has(m.username) ? html`<span class="owner-badge">${tr.t('live.owner')}</span>` : ''}
          </li>`,
      )}
    </ul>
  </section>`;
}

/** The room's bots, after its members (spec 8), each linking to its page. */
function botsList(tr: Translator, bots: readonly RoomBot[]): SafeHtml {
  return html`<section class="room-bots" aria-labelledby="room-bots-heading">
    <h2 id="room-bots-heading">${tr.t('bots.count', { count: bots.length })}</h2>
    <ul aria-label="${tr.t('bots.list')}">
      ${bots.map(
        ({ bot, online }) =>
          html`<li data-bot="${bot.id}" class="${online ? 'online' : 'offline'}">
            <img class="icon" src="${botIconOf(bot.id)}" alt="" width="20" height="20" />
            <a href="${botPath(bot.id)}">${bot.name}</a> ${botBadge(tr)}
            <span class="presence" title="${tr.t(online ? 'bot.hearsRoom' : 'bot.offlineTitle')}"
              ><span class="visually-hidden">${tr.t(online ? 'status.online' : 'status.offline')}</span></span
            >
          </li>`,
      )}
    </ul>
  </section>`;
}
