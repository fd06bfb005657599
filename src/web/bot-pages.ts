import type { Bot, BotFailure, Room } from '../core/model.js';
import { botVerifier } from '../engine/bot-credentials.js';
import type { BotView } from '../engine/bots.js';
import { botBadge, botIconOf, botPath, plural } from './fragments.js';
import { html, type SafeHtml } from './html.js';
import { page, type Viewer } from './layout.js';
import type { Page } from './pages.js';

/** A form shown again after a refusal: what went wrong, and what was typed. */
export interface BotFormState {
  error?: string;
  status?: number;
  values?: Record<string, string>;
  /** What the last action did (a bot deleted). */
  notice?: string;
}

/** One of the viewer's bots in their list. */
export interface OwnBot {
  bot: Bot;
  online: boolean;
  rooms: number;
}

/** What the last action on a bot's page did, as the page after it says it (from its query string). */
export interface BotDone {
  created?: boolean;
  saved?: boolean;
  secret?: boolean;
  added?: string;
  removed?: string;
}

/** What a bot's page shows beyond the bot itself. */
export interface BotPageInput {
  view: BotView;
  viewer?: Viewer;
  /** The viewer's own rooms the bot is not in: where they may add it. */
  addable: Room[];
  /** Whether the viewer owns any room at all (else adding is not theirs to do). */
  ownsRooms: boolean;
  /** Ids of the listed rooms the viewer may take the bot out of. */
  removable: ReadonlySet<string>;
  publicUrl: string;
  done?: BotDone;
  /** The settings form again after a refusal. */
  edit?: BotFormState;
}

const ICON_ACCEPT = 'image/png,image/jpeg,image/gif,image/webp';

const csrfField = (viewer: Viewer): SafeHtml =>
  html`<input type="hidden" name="csrf" value="${viewer.csrfToken}" />`;

const errorBox = (error: string | undefined) =>
  error ? html`<p class="form-error" role="alert">${error}</p>` : '';

export const statusBadge = (online: boolean): SafeHtml =>
  html`<span class="status ${online ? 'online' : 'offline'}">${online ? 'online' : 'offline'}</span>`;

/** A moment as bot owners compare it with their own logs: UTC, to the second. */
function utcTime(ms: number): SafeHtml {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time>`;
}

/** Signed-in people who are guests get the way to an account instead of bots. */
export function botsNeedAccountPage(viewer: Viewer): Page {
  return {
    status: 403,
    body: page({
      title: 'Sign up to make bots — Lingr',
      viewer,
      body: html`<main class="notice">
        <h1>Bots need an account</h1>
        <p>Guests cannot register bots. Sign up to make one: it answers in your rooms.</p>
        <p>
          <a class="button" href="/signup?next=%2Fbots">Sign up</a> or
          <a href="/signin?next=/bots">sign in</a>
        </p>
      </main>`,
    }),
  };
}

/** The viewer's bots and the form that registers a new one. */
export function botsPage(viewer: Viewer, bots: readonly OwnBot[], state: BotFormState = {}): Page {
  const v = state.values ?? {};
  return {
    status: state.status ?? 200,
    body: page({
      title: 'Your bots — Lingr',
      viewer,
      body: html`<main class="bots">
        <h1>Your bots</h1>
        <p class="hint">
          A bot is a program on your own server: Lingr sends it every line said in its rooms, and it answers
          as itself. Add a bot to a room you own from the bot’s page.
        </p>
        ${state.notice ? html`<p class="form-saved" role="status">${state.notice}</p>` : ''}
        <div class="bots-layout">
          <section aria-labelledby="own-bots-heading">
            <h2 id="own-bots-heading">${plural(bots.length, 'bot')}</h2>
            ${
              bots.length === 0
                ? html`<p class="empty card">You have no bots yet. Register one with the form.</p>`
                : html`<ul class="bot-list" aria-label="Your bots">
                    ${bots.map(
                      ({ bot, online, rooms }) =>
                        html`<li data-bot="${bot.id}">
                          <img class="icon" src="${botIconOf(bot.id)}" alt="" width="32" height="32" />
                          <span class="who">
                            <a class="name" href="${botPath(bot.id)}">${bot.name}</a>
                            <span class="bot-id">${bot.id}</span>
                          </span>
                          <span class="facts">
                            ${statusBadge(online)}
                            <span class="rooms"
                              >${rooms === 0 ? 'in no room' : `in ${plural(rooms, 'room')}`}</span
                            >
                          </span>
                        </li>`,
                    )}
                  </ul>`
            }
          </section>
          <section class="card" aria-labelledby="new-bot-heading">
            <h2 id="new-bot-heading">New bot</h2>
            ${errorBox(state.error)}
            <form method="post" action="/bots" enctype="multipart/form-data" class="stacked">
              ${csrfField(viewer)}
              <label for="bot-id">Bot id</label>
              <input
                id="bot-id"
                name="id"
                required
                maxlength="40"
                pattern="[A-Za-z0-9_]{1,40}"
                autocomplete="off"
                aria-describedby="bot-id-hint"
                value="${v.id ?? ''}"
              />
              <p id="bot-id-hint" class="hint">
                Letters, digits and underscores; it names the bot in the API and at /bot/<em>id</em>, for
                good.
              </p>
              <label for="bot-name">Name</label>
              <input id="bot-name" name="name" required maxlength="50" value="${v.name ?? ''}" />
              <label for="bot-callback">Callback URL (optional)</label>
              <input
                id="bot-callback"
                name="callback_url"
                type="url"
                maxlength="2000"
                placeholder="https://example.com/lingr"
                aria-describedby="bot-callback-hint"
                value="${v.callback_url ?? ''}"
              />
              <p id="bot-callback-hint" class="hint">
                Where Lingr POSTs the lines of the bot’s rooms. Without one the bot is offline and can only
                speak through the API.
              </p>
              <label for="bot-icon">Icon (optional)</label>
              <input
                id="bot-icon"
                name="icon"
                type="file"
                accept="${ICON_ACCEPT}"
                aria-describedby="bot-icon-hint"
              />
              <p id="bot-icon-hint" class="hint">PNG, JPEG, GIF or WebP, up to 256 KB.</p>
              <button type="submit">Register bot</button>
            </form>
          </section>
        </div>
      </main>`,
    }),
  };
}

function doneNotice(done: BotDone, rooms: readonly Room[]): SafeHtml | string {
  const nameOf = (id: string) => rooms.find((r) => r.id === id)?.name ?? id;
  const say = (text: string) => html`<p class="form-saved" role="status">${text}</p>`;
  if (done.created) return say('Your bot is registered. Keep its secret to yourself: it speaks as the bot.');
  if (done.saved) return say('Saved.');
  if (done.secret) return say('A new secret is ready; the old one and its verifier no longer work.');
  if (done.added) return say(`The bot is now in ${nameOf(done.added)}.`);
  if (done.removed) return say(`The bot is no longer in ${done.removed}.`);
  return '';
}

function roomsSection(input: BotPageInput): SafeHtml {
  const { view, viewer, addable, removable } = input;
  const { bot, rooms } = view;
  return html`<section class="card" aria-labelledby="bot-rooms-heading">
    <h2 id="bot-rooms-heading">${rooms.length === 0 ? 'Rooms' : `In ${plural(rooms.length, 'room')}`}</h2>
    ${
      rooms.length === 0
        ? html`<p class="empty">Not in any room you can see yet.</p>`
        : html`<ul class="bot-rooms" aria-label="Rooms">
            ${rooms.map(
              (room) =>
                html`<li data-room="${room.id}">
                  <a href="/room/${room.id}">${room.name}</a>
                  ${room.isPublic ? '' : html`<span class="private">private</span>`}
                  ${
                    viewer && removable.has(room.id)
                      ? html`<form method="post" action="${botPath(bot.id)}/rooms/remove">
                          ${csrfField(viewer)}<input type="hidden" name="room" value="${room.id}" />
                          <button type="submit" class="secondary remove">
                            Remove<span class="visually-hidden"> from ${room.name}</span>
                          </button>
                        </form>`
                      : ''
                  }
                </li>`,
            )}
          </ul>`
    }
    ${
      viewer && !viewer.guest && input.ownsRooms
        ? addable.length === 0
          ? html`<p class="hint">It is in every room you own.</p>`
          : html`<form method="post" action="${botPath(bot.id)}/rooms/add" class="add-to-room">
              ${csrfField(viewer)}
              <label for="add-room">Add to a room</label>
              <select id="add-room" name="room" required>
                ${addable.map((r) => html`<option value="${r.id}">${r.name}</option>`)}
              </select>
              <button type="submit">Add</button>
            </form>`
        : viewer && !viewer.guest
          ? html`<p class="hint">Owners of rooms add bots to them here.</p>`
          : ''
    }
  </section>`;
}

function settingsSection(view: BotView, viewer: Viewer, state: BotFormState = {}): SafeHtml {
  const { bot } = view;
  const v = state.values ?? {};
  const enabled = v.enabled === undefined ? bot.enabled : v.enabled === 'yes';
  return html`<section class="card" aria-labelledby="bot-settings-heading">
    <h2 id="bot-settings-heading">Settings</h2>
    ${errorBox(state.error)}
    <form method="post" action="${botPath(bot.id)}/edit" enctype="multipart/form-data" class="stacked">
      ${csrfField(viewer)}
      <label for="bot-name">Name</label>
      <input id="bot-name" name="name" required maxlength="50" value="${v.name ?? bot.name}" />
      <label for="bot-callback">Callback URL</label>
      <input
        id="bot-callback"
        name="callback_url"
        type="url"
        maxlength="2000"
        placeholder="https://example.com/lingr"
        aria-describedby="bot-callback-hint"
        value="${v.callback_url ?? bot.callbackUrl ?? ''}"
      />
      <p id="bot-callback-hint" class="hint">Empty: the bot hears nothing and shows as offline.</p>
      <label class="check"
        ><input type="checkbox" name="enabled" value="yes" ${enabled ? html`checked` : ''} /> Switched on: it
        hears its rooms and may speak</label
      >
      <label for="bot-icon">New icon</label>
      <input id="bot-icon" name="icon" type="file" accept="${ICON_ACCEPT}" aria-describedby="bot-icon-hint" />
      <p id="bot-icon-hint" class="hint">PNG, JPEG, GIF or WebP, up to 256 KB.</p>
      <button type="submit">Save</button>
    </form>
  </section>`;
}

function credentialsSection(input: BotPageInput, viewer: Viewer): SafeHtml {
  const { bot, rooms } = input.view;
  const verifier = botVerifier(bot.id, bot.secret);
  const room = rooms[0]?.id ?? 'ROOM_ID';
  const example = [
    `curl ${input.publicUrl}/api/room/say \\`,
    `  -d room=${room} -d bot=${bot.id} \\`,
    `  -d bot_verifier=${verifier} \\`,
    `  --data-urlencode 'text=Hello, room!'`,
  ].join('\n');
  const reveal = input.done?.created || input.done?.secret;
  return html`<section class="card credentials" aria-labelledby="bot-secret-heading">
    <h2 id="bot-secret-heading">Secret and verifier</h2>
    <details class="secret" ${reveal ? html`open` : ''}>
      <summary>Show the secret</summary>
      <code class="token" aria-label="Secret">${bot.secret}</code>
    </details>
    <p class="hint">Calls to the callback carry X-Lingr-Signature, an HMAC-SHA256 of the body keyed by it.</p>
    <p class="label">Verifier <span class="hint">sha1(bot id + secret)</span></p>
    <code class="token" aria-label="Verifier">${verifier}</code>
    <p class="label">Say something as the bot</p>
    <pre class="snippet"><code>${example}</code></pre>
    <form method="post" action="${botPath(bot.id)}/secret" class="confirmed">
      ${csrfField(viewer)}
      <label class="check"
        ><input type="checkbox" name="confirm" value="yes" required /> The old secret stops working at
        once</label
      >
      <button type="submit" class="secondary">Regenerate secret</button>
    </form>
  </section>`;
}

function failuresSection(failures: readonly BotFailure[]): SafeHtml {
  return html`<section class="card" aria-labelledby="bot-failures-heading">
    <h2 id="bot-failures-heading">Recent failures</h2>
    ${
      failures.length === 0
        ? html`<p class="empty">None: every call to the callback was answered.</p>`
        : html`<div class="table-scroll">
            <table class="failures">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Room</th>
                  <th scope="col">Event</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                ${failures.map(
                  (f) =>
                    html`<tr>
                      <td>${utcTime(f.at)}</td>
                      <td><a href="/room/${f.roomId}">${f.roomId}</a></td>
                      <td>${f.eventId}</td>
                      <td class="reason">${f.reason}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

function deleteSection(bot: Bot, viewer: Viewer): SafeHtml {
  return html`<section class="card" aria-labelledby="bot-delete-heading">
    <h2 id="bot-delete-heading">Delete</h2>
    <form method="post" action="${botPath(bot.id)}/delete" class="confirmed">
      ${csrfField(viewer)}
      <label class="check"
        ><input type="checkbox" name="confirm" value="yes" required /> Delete ${bot.name}: it leaves its
        rooms; its lines stay</label
      >
      <button type="submit" class="danger">Delete bot</button>
    </form>
  </section>`;
}

/** A bot's public page; its owner also gets its settings, credentials and failures. */
export function botPage(input: BotPageInput): Page {
  const { view, viewer } = input;
  const { bot, owner } = view;
  const manage = view.mayEdit && viewer !== undefined;
  return {
    status: input.edit?.status ?? 200,
    body: page({
      title: `${bot.name} (bot) — Lingr`,
      viewer,
      body: html`<main class="bot-page">
        ${manage ? html`<p class="crumbs"><a href="/bots">← Your bots</a></p>` : ''}
        <header class="bot-head">
          <img class="bot-icon" src="${botIconOf(bot.id, '80x80')}" alt="" width="80" height="80" />
          <div>
            <h1>${bot.name} ${botBadge()}</h1>
            <p class="facts">
              <span class="bot-id">${bot.id}</span> ${statusBadge(view.online)}
              ${manage && !bot.enabled ? html`<span class="hint">switched off</span>` : ''}
            </p>
            <p class="owner">
              ${owner ? html`Made by <a href="/${owner.username}">${owner.name}</a>` : 'Added by the operator'}
            </p>
          </div>
        </header>
        ${doneNotice(input.done ?? {}, view.rooms)}
        <div class="bot-layout${manage ? ' managed' : ''}">
          <div class="column">
            ${roomsSection(input)} ${manage ? credentialsSection(input, viewer) : ''}
            ${manage && view.failures ? failuresSection(view.failures) : ''}
          </div>
          ${
            manage
              ? html`<div class="column">
                  ${settingsSection(view, viewer, input.edit)} ${deleteSection(bot, viewer)}
                </div>`
              : ''
          }
        </div>
      </main>`,
    }),
  };
}
