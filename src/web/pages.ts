import type { MemberView } from '../core/model.js';
import type { LiveSession } from '../engine/live-session.js';
import type { Queries } from '../engine/queries.js';
import { ArchivePages, dayPath } from './archives.js';
import { badgeSnippet } from './badge.js';
import { iconOf, messageItem, plural, roomList, tagLinks } from './fragments.js';
import { html, linkify, type SafeHtml } from './html.js';
import { page, type Viewer } from './layout.js';
import { localDate } from './time-format.js';

export interface Page {
  status: number;
  body: string;
}

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
          </main>`,
        }),
      };
    }
    const { hot, newest, tags, mine } = await this.queries.explore(session?.userId);
    const linesIn = new Map(hot.map((h) => [h.room.id, h.lines]));
    const max = Math.max(1, ...tags.map((t) => t.rooms));
    return {
      status: 200,
      body: page({
        title: 'Lingr — chat rooms in your browser',
        viewer,
        body: html`<main class="explore">
          <h1>Explore rooms</h1>
          ${
            session
              ? html`<section aria-labelledby="mine-heading">
                  <h2 id="mine-heading">Your rooms</h2>
                  ${roomList(mine, 'You have not joined a room yet: open one below and join it, or create your own.')}
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
   * otherwise. `counter` is taken before the backlog is read, so the client resumes with no gap.
   */
  async room(id: string, visitor?: Visitor): Promise<Page> {
    const viewer = visitor?.session;
    const view = await this.queries.roomPage(id, viewer?.userId);
    if (!view) return this.notFound(`There is no room “${id}”.`);
    const { room, counter, messages, chatters, related } = view;
    const member = view.membership !== undefined;
    const csrf = visitor ? html`<input type="hidden" name="csrf" value="${visitor.csrfToken}" />` : '';
    return {
      status: 200,
      body: page({
        title: `${room.name} — Lingr`,
        viewer: viewerOf(visitor),
        meta: viewer
          ? {
              room: room.id,
              counter: String(counter),
              'public-id': viewer.publicId,
              username: viewer.username,
              timezone: room.timezone,
            }
          : undefined,
        script: viewer ? '/static/room.js' : undefined,
        body: html`<main class="room">
          <header class="room-header">
            <h1>${room.name}</h1>
            ${
              room.blurb
                ? html`<details class="blurb">
                    <summary>more info</summary>
                    <p>${linkify(room.blurb)}</p>
                  </details>`
                : ''
            }
            ${tagLinks(room.tags)}
            <p class="timezone">Times are in ${room.timezone}</p>
            ${viewer ? html`<p class="connection" role="status" aria-live="polite">Connecting…</p>` : ''}
          </header>
          <section class="conversation" aria-label="Conversation">
            ${messages.length === 0 ? html`<p class="empty">Nobody has said anything yet.</p>` : ''}
            <ol class="messages">
              ${messages.map((m) =>
                messageItem(
                  m,
                  room.timezone,
                  dayPath(room.id, localDate(m.createdAt, room.timezone)),
                  viewer?.username,
                ),
              )}
            </ol>
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
          <aside class="sidebar">
            ${chattersList(chatters)}
            <nav aria-label="Room links">
              <ul>
                <li><a href="/room/${room.id}/archives">Archives</a></li>
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

  /** A room's archives, for anyone who may read the room (for now: public rooms). */
  async archives(id: string, query: string | undefined, visitor?: Visitor): Promise<Page> {
    const room = await this.readable(id, visitor?.session);
    return room
      ? this.archive.index(room, query, viewerOf(visitor))
      : this.notFound(`There is no room “${id}”.`);
  }

  async archiveDay(id: string, date: string, visitor?: Visitor): Promise<Page> {
    const room = await this.readable(id, visitor?.session);
    const day = room && (await this.archive.day(room, date, viewerOf(visitor)));
    return day ?? this.notFound(room ? `${date} is not a date.` : `There is no room “${id}”.`);
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

function chattersList(chatters: readonly MemberView[]): SafeHtml {
  return html`<section class="chatters" aria-labelledby="chatters-heading">
    <h2 id="chatters-heading">${plural(chatters.length, 'chatter')}</h2>
    <ul aria-label="Chatters">
      ${chatters.map(
        (m) =>
          html`<li data-username="${m.username}">
            <img class="icon" src="${iconOf(m.username)}" alt="" width="20" height="20" /> ${m.name}
          </li>`,
      )}
    </ul>
  </section>`;
}
