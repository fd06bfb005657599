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
  plural,
  roomList,
  tagLinks,
  unreadLabel,
  unreadText,
  withDayDividers,
} from './fragments.js';
import { html, linkify, type SafeHtml } from './html.js';
import { page, type Viewer } from './layout.js';
import { assetUrl } from './static-assets.js';
import { localDate } from './time-format.js';

export interface Page {
  status: number;
  body: string;
}

const STARRED_LIMIT = 200;

const PROBLEM_HEADINGS: Partial<Record<number, string>> = {
  403: 'Not allowed',
  404: 'Not found',
  429: 'Slow down',
};

/** Someone signed in, as the pages see them: the session and the form token of this browser. */
export interface Visitor {
  session: LiveSession;
  csrfToken: string;
}

/** The page header's view of a signed-in visitor. */
export const viewerOf = (v: Visitor | undefined): Viewer | undefined =>
  v && {
    username: v.session.username,
    name: v.session.userName,
    csrfToken: v.csrfToken,
    guest: v.session.guest,
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

  async explore(query: string | undefined, visitor?: Visitor): Promise<Page> {
    const viewer = viewerOf(visitor);
    const session = visitor?.session;
    if (query !== undefined) {
      const found = await this.queries.search(query);
      return {
        status: 200,
        body: page({
          title: `“${query}” — Lingr`,
          query,
          viewer,
          body: html`<main class="explore">
            <h1>Rooms matching “${query}”</h1>
            ${roomList(found, 'No public room matches; try another word.')}
            <p class="more">
              <a href="/search?q=${encodeURIComponent(query)}">Search what was said for “${query}” →</a>
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
        title: 'Lingr — chat rooms in your browser',
        viewer,
        // Signed in, the live client keeps "Your rooms" unread counts current.
        meta: session
          ? { room: '', counter: String(counter), username: session.username, name: session.userName }
          : undefined,
        script: session ? '/static/room.js' : undefined,
        body: html`<main class="explore">
          <h1>Explore rooms</h1>
          ${
            session
              ? html`<section aria-labelledby="mine-heading">
                  <h2 id="mine-heading">Your rooms</h2>
                  ${roomList(
                    mine.map((m) => m.room),
                    'You have not joined a room yet: open one below and join it, or create your own.',
                    undefined,
                    (r) => unread.get(r.id) ?? 0,
                  )}
                </section>`
              : ''
          }
          <section aria-labelledby="hot-heading">
            <h2 id="hot-heading">Hot rooms</h2>
            ${roomList(
              hot.map((h) => h.room),
              'No room has been busy in the last day.',
              (r) => `${plural(linesIn.get(r.id) ?? 0, 'line')} today`,
            )}
          </section>
          <section aria-labelledby="new-heading">
            <h2 id="new-heading">New rooms</h2>
            ${roomList(newest, 'No rooms yet.')}
          </section>
          <section aria-labelledby="tags-heading">
            <h2 id="tags-heading">Tags</h2>
            ${
              tags.length === 0
                ? html`<p class="empty">No tags yet.</p>`
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

  async tag(name: string, visitor?: Visitor): Promise<Page> {
    const rooms = await this.queries.tag(name);
    return {
      status: rooms.length === 0 ? 404 : 200,
      body: page({
        title: `${name} — Lingr`,
        viewer: viewerOf(visitor),
        body: html`<main class="explore">
          <h1>Rooms tagged “${name}”</h1>
          ${roomList(rooms, 'No public room has this tag.')}
        </main>`,
      }),
    };
  }

  /**
   * The room. A signed-in viewer also gets the live client: a message box when a member, a join button
   * otherwise. `counter` is taken before the backlog is read, so the client resumes with no gap. The page
   * is laid out to the window: the conversation scrolls above a message box that is always in view.
   */
  async room(id: string, visitor?: Visitor): Promise<Page> {
    const viewer = visitor?.session;
    const view = await this.queries.roomPage(id, viewer?.userId);
    if (!view) return this.notFound(`There is no room “${id}”.`);
    const { room, counter, messages, chatters, owners, bots, related, mine, starred } = view;
    const member = view.membership !== undefined;
    const csrf = visitor ? html`<input type="hidden" name="csrf" value="${visitor.csrfToken}" />` : '';
    const permalink = (m: Message) => dayPath(room.id, localDate(m.createdAt, room.timezone));
    return {
      status: 200,
      body: page({
        title: `${room.name} — Lingr`,
        viewer: viewerOf(visitor),
        bodyClass: 'room-page',
        skipTo: member ? { href: '#say-text', label: 'Skip to the message box' } : undefined,
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
                    ? html`<p class="connection" role="status" aria-live="polite" hidden>Connecting…</p>`
                    : ''
                }
                <a class="info-toggle" href="#room-info">Room info</a>
              </div>
              ${
                room.blurb
                  ? html`<details class="blurb">
                      <summary>About this room</summary>
                      <p>${linkify(room.blurb)}</p>
                    </details>`
                  : ''
              }
              ${tagLinks(room.tags)}
              <p class="timezone">
                Times are in <span class="zone-name">${room.timezone}</span>
                <span class="zone-choice"></span>
              </p>
            </header>
            ${messages.length === 0 ? html`<p class="empty">Nobody has said anything yet.</p>` : ''}
            <ol class="messages" role="log" aria-label="Messages" tabindex="0">
              ${withDayDividers(messages, room.timezone, (m) =>
                messageItem(m, room.timezone, permalink(m), viewer?.username, starred.has(m.id)),
              )}
            </ol>
            ${
              viewer
                ? html`<noscript><p class="hint">New lines appear when you reload this page.</p></noscript>`
                : ''
            }
            ${
              member
                ? html`<form class="say" method="post" action="/room/${room.id}/say">
                    ${csrf}
                    <label for="say-text" class="visually-hidden">Message</label>
                    <textarea
                      id="say-text"
                      name="text"
                      rows="2"
                      maxlength="10000"
                      required
                      placeholder="Say something — Enter sends, Shift+Enter for a new line"
                    ></textarea>
                    <button type="submit">Say it!</button>
                  </form>`
                : viewer
                  ? html`<form class="join" method="post" action="/room/${room.id}/join">
                      ${csrf}<button type="submit">Join this room</button>
                    </form>`
                  : html`<form class="join guest" method="post" action="/room/${room.id}/guest">
                      <label for="guest-nickname">Nickname</label>
                      <input
                        id="guest-nickname"
                        name="nickname"
                        required
                        maxlength="50"
                        autocomplete="nickname"
                      />
                      <button type="submit">Enter as a guest</button>
                      <span class="or">or <a href="/signin?next=/room/${room.id}">sign in</a></span>
                    </form>`
            }
          </section>
          <aside class="sidebar" id="room-info" aria-label="About this room">
            <a class="info-close" href="#room-title">Close room info</a>
            ${viewer && !viewer.guest ? yourRooms(mine, room.id) : ''}
            ${chattersList(chatters, new Set(owners))} ${bots.length > 0 ? botsList(bots) : ''}
            <nav aria-label="Room links">
              <ul>
                <li><a href="/room/${room.id}/archives">Archives</a></li>
                <li>
                  <a href="/room/${room.id}/members"
                    >${viewer && room.ownerId === viewer.userId ? 'Members & invitations' : 'Members'}</a
                  >
                </li>
                ${viewer && !viewer.guest ? html`<li><a href="/starred">Your starred lines</a></li>` : ''}
              </ul>
              ${
                viewer
                  ? html`<form class="nickname" method="post" action="/room/${room.id}/nickname">
                      ${csrf}
                      <label for="nickname-input">Your name here</label>
                      <input
                        id="nickname-input"
                        name="nickname"
                        required
                        maxlength="50"
                        value="${viewer.userName}"
                      />
                      <button type="submit" class="secondary">Change</button>
                    </form>`
                  : ''
              }
              ${
                member
                  ? html`<form method="post" action="/room/${room.id}/leave">
                      ${csrf}<button type="submit" class="secondary">Leave room</button>
                    </form>`
                  : ''
              }
              ${
                viewer && room.ownerId === viewer.userId
                  ? html`<details class="settings">
                      <summary>Room settings</summary>
                      <p><a href="/room/${room.id}/edit">Edit name, description, tags…</a></p>
                      <form method="post" action="/room/${room.id}/delete">
                        ${csrf}
                        <label
                          ><input type="checkbox" name="confirm" value="yes" required /> Delete this room and
                          its archives</label
                        >
                        <button type="submit" class="danger">Delete room</button>
                      </form>
                    </details>`
                  : ''
              }
            </nav>
            ${
              room.isPublic
                ? html`<section aria-labelledby="badge-heading">
                    <h2 id="badge-heading">Badge for your blog</h2>
                    <label for="badge-snippet" class="hint"
                      >Paste this into your page to show this room live:</label
                    >
                    <textarea id="badge-snippet" class="snippet" readonly rows="4">
${badgeSnippet(this.publicUrl, room.id, room.name)}</textarea>
                  </section>`
                : ''
            }
            <section aria-labelledby="related-heading">
              <h2 id="related-heading">Related rooms</h2>
              ${roomList(related, 'No rooms share a tag with this one yet.')}
            </section>
          </aside>
        </main>`,
      }),
    };
  }

  /** The viewer's starred lines across their rooms, the latest starred first. */
  async starred(visitor: Visitor): Promise<Page> {
    const found = await this.queries.starred(visitor.session.userId, STARRED_LIMIT);
    return {
      status: 200,
      body: page({
        title: 'Starred lines — Lingr',
        viewer: viewerOf(visitor),
        body: html`<main class="archives starred">
          <h1>Your starred lines</h1>
          ${
            found.length === 0
              ? html`<p class="empty">Star a line in a room (☆ beside its time) to keep it here.</p>`
              : html`<ol class="messages results">
                  ${found.map(
                    ({ message, room }) =>
                      html`<li class="room-of"><a href="/room/${room.id}">${room.name}</a></li>
                        ${messageItem(
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
  async archives(id: string, query: string | undefined, visitor?: Visitor): Promise<Page> {
    const room = await this.readable(id, visitor?.session);
    return room
      ? this.archive.index(room, query, viewerOf(visitor))
      : this.notFound(`There is no room “${id}”.`);
  }

  /** One page of a day of a room's archives (`pageNo` from 1). */
  async archiveDay(id: string, date: string, pageNo: number, visitor?: Visitor): Promise<Page> {
    const room = await this.readable(id, visitor?.session);
    const day = room && (await this.archive.day(room, date, pageNo, viewerOf(visitor)));
    return day ?? this.notFound(room ? `${date} is not a date.` : `There is no room “${id}”.`);
  }

  /** Where a line of a readable room is in its archives (day, page and fragment), or a page saying it is not. */
  async lineLocation(id: string, messageId: number, visitor?: Visitor): Promise<string | Page> {
    const room = await this.readable(id, visitor?.session);
    const location = room && (await this.archive.locate(room, messageId));
    return (
      location ??
      this.notFound(room ? 'That line is not in this room’s archives.' : `There is no room “${id}”.`)
    );
  }

  /** Public rooms for everyone; private rooms for their members only. */
  private async readable(id: string, viewer?: LiveSession) {
    return (await this.queries.visible(id, viewer?.userId))?.room;
  }

  notFound(detail = 'There is nothing here.'): Page {
    return this.problem(404, detail);
  }

  /** A finished page for a refused or failed request, headed by what the status means to a reader. */
  problem(status: number, detail: string): Page {
    const heading = PROBLEM_HEADINGS[status] ?? 'That did not work';
    return {
      status,
      body: page({
        title: `${heading} — Lingr`,
        body: html`<main class="notice">
          <h1>${heading}</h1>
          <p>${detail}</p>
          <p><a href="/">Back to Lingr</a></p>
        </main>`,
      }),
    };
  }
}

/** The viewer's rooms beside the conversation; the live client keeps their unread counts. */
function yourRooms(rooms: readonly RoomWithUnread[], current: string): SafeHtml {
  return html`<section class="your-rooms" aria-labelledby="your-rooms-heading">
    <h2 id="your-rooms-heading">Your rooms</h2>
    ${
      rooms.length === 0
        ? html`<p class="empty">Join a room to see it here.</p>`
        : html`<ul>
            ${rooms.map(({ room, unread }) => {
              // The room on screen is being read: its count is the live client's to keep.
              const n = room.id === current ? 0 : unread;
              return html`<li data-room="${room.id}" ${room.id === current ? html` aria-current="page"` : ''}>
                <a href="/room/${room.id}">${room.name}</a>
                <span class="unread" aria-label="${unreadLabel(n)}" ${n === 0 ? html` hidden` : ''}
                  >${unreadText(n)}</span
                >
              </li>`;
            })}
          </ul>`
    }
  </section>`;
}

/** Members online now; the owners marked (spec 8), as the live client marks them when they come online. */
function chattersList(chatters: readonly MemberView[], owners: ReadonlySet<string>): SafeHtml {
  return html`<section class="chatters" aria-labelledby="chatters-heading">
    <h2 id="chatters-heading">${plural(chatters.length, 'chatter')}</h2>
    <ul aria-label="Chatters">
      ${chatters.map(
        (m) =>
          html`<li data-username="${m.username}">
            <img class="icon" src="${iconOf(m.username)}" alt="" width="20" height="20" /> ${m.name}
            ${owners.has(m.username) ? html`<span class="owner-badge">owner</span>` : ''}
          </li>`,
      )}
    </ul>
  </section>`;
}

/** The room's bots, after its members (spec 8), each linking to its page. */
function botsList(bots: readonly RoomBot[]): SafeHtml {
  return html`<section class="room-bots" aria-labelledby="room-bots-heading">
    <h2 id="room-bots-heading">${plural(bots.length, 'bot')}</h2>
    <ul aria-label="Bots">
      ${bots.map(
        ({ bot, online }) =>
          html`<li data-bot="${bot.id}" class="${online ? 'online' : 'offline'}">
            <img class="icon" src="${botIconOf(bot.id)}" alt="" width="20" height="20" />
            <a href="${botPath(bot.id)}">${bot.name}</a> ${botBadge()}
            <span class="presence" title="${online ? 'Online: it hears this room' : 'Offline'}"
              ><span class="visually-hidden">${online ? 'online' : 'offline'}</span></span
            >
          </li>`,
      )}
    </ul>
  </section>`;
}
