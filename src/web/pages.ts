import type { MemberView, Room } from '../core/model.js';
import { ArchivePages, dayPath } from './archives.js';
import type { Engine } from '../engine/engine.js';
import { iconOf, messageItem, plural, roomList, tagLinks } from './fragments.js';
import { html, linkify, type SafeHtml } from './html.js';
import { page } from './layout.js';
import { localDate } from './time-format.js';

const DAY = 24 * 60 * 60 * 1000;
const LIST = 20;
const BACKLOG = 50;

export interface Page {
  status: number;
  body: string;
}

/** Server-rendered pages: readable without JavaScript, every piece of user text escaped. */
export class WebPages {
  private readonly archive: ArchivePages;

  constructor(private readonly engine: Engine) {
    this.archive = new ArchivePages(engine);
  }

  async explore(query: string | undefined): Promise<Page> {
    const { directory } = this.engine.store;
    if (query !== undefined) {
      const found = await directory.search(query, 50);
      return {
        status: 200,
        body: page({
          title: `“${query}” — Lingr`,
          query,
          body: html`<main class="explore">
            <h1>Rooms matching “${query}”</h1>
            ${roomList(found, 'No public room matches; try another word.')}
          </main>`,
        }),
      };
    }
    const since = this.engine.clock.now() - DAY;
    const [hot, newest, tags] = await Promise.all([
      directory.hot(since, LIST),
      directory.newest(LIST),
      directory.tags(60),
    ]);
    const linesIn = new Map(hot.map((h) => [h.room.id, h.lines]));
    const max = Math.max(1, ...tags.map((t) => t.rooms));
    return {
      status: 200,
      body: page({
        title: 'Lingr — chat rooms in your browser',
        body: html`<main class="explore">
          <h1>Explore rooms</h1>
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

  async tag(name: string): Promise<Page> {
    const rooms = await this.engine.store.directory.withTag(name, 100);
    return {
      status: rooms.length === 0 ? 404 : 200,
      body: page({
        title: `${name} — Lingr`,
        body: html`<main class="explore">
          <h1>Rooms tagged “${name}”</h1>
          ${roomList(rooms, 'No public room has this tag.')}
        </main>`,
      }),
    };
  }

  /** The room as a visitor who is not signed in sees it; private rooms do not exist for them. */
  async room(id: string): Promise<Page> {
    const { store, presence } = this.engine;
    const room = await this.readable(id);
    if (!room) return this.notFound(`There is no room “${id}”.`);
    const [messages, members, related] = await Promise.all([
      store.messages.latest(room.id, BACKLOG),
      store.rooms.members(room.id),
      store.directory.related(room.id, 8),
    ]);
    const chatters = members
      .filter((m) => presence.isUserOnline(m.userId))
      .sort((a, b) => a.name.localeCompare(b.name));
    return {
      status: 200,
      body: page({
        title: `${room.name} — Lingr`,
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
          </header>
          <section class="conversation" aria-label="Conversation">
            ${
              messages.length === 0
                ? html`<p class="empty">Nobody has said anything yet.</p>`
                : html`<ol class="messages">
                    ${messages.map((m) =>
                      messageItem(m, room.timezone, dayPath(room.id, localDate(m.createdAt, room.timezone))),
                    )}
                  </ol>`
            }
          </section>
          <aside class="sidebar">
            ${chattersList(chatters)}
            <nav aria-label="Room links">
              <ul>
                <li><a href="/room/${room.id}/archives">Archives</a></li>
              </ul>
            </nav>
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
  async archives(id: string, query: string | undefined): Promise<Page> {
    const room = await this.readable(id);
    return room ? this.archive.index(room, query) : this.notFound(`There is no room “${id}”.`);
  }

  async archiveDay(id: string, date: string): Promise<Page> {
    const room = await this.readable(id);
    const day = room && (await this.archive.day(room, date));
    return day ?? this.notFound(room ? `${date} is not a date.` : `There is no room “${id}”.`);
  }

  private async readable(id: string): Promise<Room | undefined> {
    const room = await this.engine.store.rooms.byId(id);
    return room?.isPublic ? room : undefined;
  }

  notFound(detail = 'There is nothing here.'): Page {
    return {
      status: 404,
      body: page({
        title: 'Not found — Lingr',
        body: html`<main class="notice">
          <h1>Not found</h1>
          <p>${detail}</p>
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
          html`<li>
            <img class="icon" src="${iconOf(m.username)}" alt="" width="20" height="20" /> ${m.name}
          </li>`,
      )}
    </ul>
  </section>`;
}
