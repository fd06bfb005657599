import type { Bot, BotFailure, Room } from '../core/model.js';
import { botVerifier } from '../engine/bot-credentials.js';
import type { BotView } from '../engine/bots.js';
import { botBadge, botIconOf, botPath, visuallyHidden } from './fragments.js';
import { html, type SafeHtml } from './html.js';
import type { Translator } from './i18n/translator.js';
import { page, type Viewer } from './layout.js';
import type { Page } from './pages.js';

/** A form shown again after a refusal: what went wrong, and what was typed. */
export interface BotFormState {
  error?: string;
  status?: number;
  values?: Record<string, string>;
  /** The bot just deleted, to say so. */
  deleted?: string;
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

/** The name and callback fields, the same in the form that registers a bot and the one that edits it. */
function nameAndCallback(
  tr: Translator,
  f: { name: string; callback: string; callbackLabel: string; callbackHint: string },
): SafeHtml {
  return html`<label for="bot-name">${tr.t('form.name')}</label>
    <input id="bot-name" name="name" required maxlength="50" value="${f.name}" />
    <label for="bot-callback">${f.callbackLabel}</label>
    <input
      id="bot-callback"
      name="callback_url"
      type="url"
      maxlength="2000"
      placeholder="https://example.com/lingr"
      aria-describedby="bot-callback-hint"
      value="${f.callback}"
    />
    <p id="bot-callback-hint" class="hint">${f.callbackHint}</p>`;
}

export function statusBadge(tr: Translator, online: boolean): SafeHtml {
  const state = online ? 'online' : 'offline';
  return html`<span class="status ${state}">${tr.t(`status.${state}`)}</span>`;
}

/** A moment as bot owners compare it with their own logs: UTC, to the second. */
function utcTime(ms: number): SafeHtml {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time>`;
}

/** Signed-in people who are guests get the way to an account instead of bots. */
export function botsNeedAccountPage(tr: Translator, viewer: Viewer): Page {
  return {
    status: 403,
    body: page({
      tr,
      title: `${tr.t('guest.botsTitle')} — Lingr`,
      viewer,
      body: html`<main class="notice">
        <h1>${tr.t('guest.botsHeading')}</h1>
        <p>${tr.t('guest.botsText')}</p>
        <p>
          ${tr.h('guest.signUpOrIn', {
            signUp: html`<a class="button" href="/signup?next=%2Fbots">${tr.t('nav.signUp')}</a>`,
            signIn: html`<a href="/signin?next=/bots">${tr.t('guest.signIn')}</a>`,
          })}
        </p>
      </main>`,
    }),
  };
}

/** The viewer's bots and the form that registers a new one. */
export function botsPage(
  tr: Translator,
  viewer: Viewer,
  bots: readonly OwnBot[],
  state: BotFormState = {},
): Page {
  const v = state.values ?? {};
  return {
    status: state.status ?? 200,
    body: page({
      tr,
      title: `${tr.t('bots.yours')} — Lingr`,
      viewer,
      body: html`<main class="bots">
        <h1>${tr.t('bots.yours')}</h1>
        <p class="hint">${tr.t('bots.intro')}</p>
        ${
          state.deleted
            ? html`<p class="form-saved" role="status">${tr.t('bots.deleted', { bot: state.deleted })}</p>`
            : ''
        }
        <div class="bots-layout">
          <section aria-labelledby="own-bots-heading">
            <h2 id="own-bots-heading">${tr.t('bots.count', { count: bots.length })}</h2>
            ${
              bots.length === 0
                ? html`<p class="empty card">${tr.t('bots.none')}</p>`
                : html`<ul class="bot-list" aria-label="${tr.t('bots.yours')}">
                    ${bots.map(
                      ({ bot, online, rooms }) =>
                        html`<li data-bot="${bot.id}">
                          <img class="icon" src="${botIconOf(bot.id)}" alt="" width="32" height="32" />
                          <span class="who">
                            <a class="name" href="${botPath(bot.id)}">${bot.name}</a>
                            <span class="bot-id">${bot.id}</span>
                          </span>
                          <span class="facts">
                            ${statusBadge(tr, online)}
                            <span class="rooms"
                              >${rooms === 0 ? tr.t('bots.inNoRoom') : tr.t('bots.inRooms', { count: rooms })}</span
                            >
                          </span>
                        </li>`,
                    )}
                  </ul>`
            }
          </section>
          <section class="card" aria-labelledby="new-bot-heading">
            <h2 id="new-bot-heading">${tr.t('bots.new')}</h2>
            ${errorBox(state.error)}
            <form method="post" action="/bots" enctype="multipart/form-data" class="stacked">
              ${csrfField(viewer)}
              <label for="bot-id">${tr.t('bots.id')}</label>
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
                ${tr.h('bots.idHint', { path: html`/bot/<em>${tr.t('roomForm.idWord')}</em>` })}
              </p>
              ${nameAndCallback(tr, {
                name: v.name ?? '',
                callback: v.callback_url ?? '',
                callbackLabel: tr.t('bots.callbackOptional'),
                callbackHint: tr.t('bots.callbackHint'),
              })}
              <label for="bot-icon">${tr.t('bots.iconOptional')}</label>
              <input
                id="bot-icon"
                name="icon"
                type="file"
                accept="${ICON_ACCEPT}"
                aria-describedby="bot-icon-hint"
              />
              <p id="bot-icon-hint" class="hint">${tr.t('bots.iconHint')}</p>
              <button type="submit">${tr.t('bots.register')}</button>
            </form>
          </section>
        </div>
      </main>`,
    }),
  };
}

function doneNotice(tr: Translator, done: BotDone, rooms: readonly Room[]): SafeHtml | string {
  const nameOf = (id: string) => rooms.find((r) => r.id === id)?.name ?? id;
  const say = (text: string) => html`<p class="form-saved" role="status">${text}</p>`;
  if (done.created) return say(tr.t('bot.created'));
  if (done.saved) return say(tr.t('form.saved'));
  if (done.secret) return say(tr.t('bot.newSecret'));
  if (done.added) return say(tr.t('bot.added', { room: nameOf(done.added) }));
  if (done.removed) return say(tr.t('bot.removed', { room: done.removed }));
  return '';
}

function roomsSection(tr: Translator, input: BotPageInput): SafeHtml {
  const { view, viewer, addable, removable } = input;
  const { bot, rooms } = view;
  return html`<section class="card" aria-labelledby="bot-rooms-heading">
    <h2 id="bot-rooms-heading">
      ${rooms.length === 0 ? tr.t('bot.rooms') : tr.t('bot.inRooms', { count: rooms.length })}
    </h2>
    ${
      rooms.length === 0
        ? html`<p class="empty">${tr.t('bot.noRooms')}</p>`
        : html`<ul class="bot-rooms" aria-label="${tr.t('bot.rooms')}">
            ${rooms.map(
              (room) =>
                html`<li data-room="${room.id}">
                  <a href="/room/${room.id}">${room.name}</a>
                  ${room.isPublic ? '' : html`<span class="private">${tr.t('room.private')}</span>`}
                  ${
                    viewer && removable.has(room.id)
                      ? html`<form method="post" action="${botPath(bot.id)}/rooms/remove">
                          ${csrfField(viewer)}<input type="hidden" name="room" value="${room.id}" />
                          <button type="submit" class="secondary remove">
                            ${tr.h('bot.removeFrom', {
                              room: visuallyHidden(tr.t('bot.removeFromRoom', { room: room.name })),
                            })}
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
          ? html`<p class="hint">${tr.t('bot.inEveryRoom')}</p>`
          : html`<form method="post" action="${botPath(bot.id)}/rooms/add" class="add-to-room">
              ${csrfField(viewer)}
              <label for="add-room">${tr.t('bot.addToRoom')}</label>
              <select id="add-room" name="room" required>
                ${addable.map((r) => html`<option value="${r.id}">${r.name}</option>`)}
              </select>
              <button type="submit">${tr.t('members.add')}</button>
            </form>`
        : viewer && !viewer.guest
          ? html`<p class="hint">${tr.t('bot.ownersAdd')}</p>`
          : ''
    }
  </section>`;
}

function settingsSection(tr: Translator, view: BotView, viewer: Viewer, state: BotFormState = {}): SafeHtml {
  const { bot } = view;
  const v = state.values ?? {};
  const enabled = v.enabled === undefined ? bot.enabled : v.enabled === 'yes';
  return html`<section class="card" aria-labelledby="bot-settings-heading">
    <h2 id="bot-settings-heading">${tr.t('bot.settings')}</h2>
    ${errorBox(state.error)}
    <form method="post" action="${botPath(bot.id)}/edit" enctype="multipart/form-data" class="stacked">
      ${csrfField(viewer)}
      ${nameAndCallback(tr, {
        name: v.name ?? bot.name,
        callback: v.callback_url ?? bot.callbackUrl ?? '',
        callbackLabel: tr.t('bot.callback'),
        callbackHint: tr.t('bot.callbackEmpty'),
      })}
      <label class="check"
        ><input type="checkbox" name="enabled" value="yes" ${enabled ? html`checked` : ''} />
        ${tr.t('bot.switchedOn')}</label
      >
      <label for="bot-icon">${tr.t('bot.newIcon')}</label>
      <input id="bot-icon" name="icon" type="file" accept="${ICON_ACCEPT}" aria-describedby="bot-icon-hint" />
      <p id="bot-icon-hint" class="hint">${tr.t('bots.iconHint')}</p>
      <button type="submit">${tr.t('form.save')}</button>
    </form>
  </section>`;
}

function credentialsSection(tr: Translator, input: BotPageInput, viewer: Viewer): SafeHtml {
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
    <h2 id="bot-secret-heading">${tr.t('bot.secretHeading')}</h2>
    <details class="secret" ${reveal ? html`open` : ''}>
      <summary>${tr.t('bot.showSecret')}</summary>
      <code class="token" aria-label="${tr.t('bot.secret')}">${bot.secret}</code>
    </details>
    <p class="hint">${tr.t('bot.signatureHint')}</p>
    <p class="label">${tr.t('bot.verifier')} <span class="hint">${tr.t('bot.verifierFormula')}</span></p>
    <code class="token" aria-label="${tr.t('bot.verifier')}">${verifier}</code>
    <p class="label">${tr.t('bot.sayAsBot')}</p>
    <pre class="snippet"><code>${example}</code></pre>
    <form method="post" action="${botPath(bot.id)}/secret" class="confirmed">
      ${csrfField(viewer)}
      <label class="check"
        ><input type="checkbox" name="confirm" value="yes" required /> ${tr.t('bot.oldSecretStops')}</label
      >
      <button type="submit" class="secondary">${tr.t('bot.regenerate')}</button>
    </form>
  </section>`;
}

function failuresSection(tr: Translator, failures: readonly BotFailure[]): SafeHtml {
  return html`<section class="card" aria-labelledby="bot-failures-heading">
    <h2 id="bot-failures-heading">${tr.t('bot.failures')}</h2>
    ${
      failures.length === 0
        ? html`<p class="empty">${tr.t('bot.noFailures')}</p>`
        : html`<div class="table-scroll">
            <table class="failures">
              <thead>
                <tr>
                  <th scope="col">${tr.t('bot.failureTime')}</th>
                  <th scope="col">${tr.t('bot.failureRoom')}</th>
                  <th scope="col">${tr.t('bot.failureEvent')}</th>
                  <th scope="col">${tr.t('bot.failureReason')}</th>
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

function deleteSection(tr: Translator, bot: Bot, viewer: Viewer): SafeHtml {
  return html`<section class="card" aria-labelledby="bot-delete-heading">
    <h2 id="bot-delete-heading">${tr.t('bot.deleteHeading')}</h2>
    <form method="post" action="${botPath(bot.id)}/delete" class="confirmed">
      ${csrfField(viewer)}
      <label class="check"
        ><input type="checkbox" name="confirm" value="yes" required />
        ${tr.t('bot.deleteConfirm', { bot: bot.name })}</label
      >
      <button type="submit" class="danger">${tr.t('bot.delete')}</button>
    </form>
  </section>`;
}

/** A bot's public page; its owner also gets its settings, credentials and failures. */
export function botPage(tr: Translator, input: BotPageInput): Page {
  const { view, viewer } = input;
  const { bot, owner } = view;
  const manage = view.mayEdit && viewer !== undefined;
  return {
    status: input.edit?.status ?? 200,
    body: page({
      tr,
      title: `${tr.t('bot.title', { bot: bot.name })} — Lingr`,
      viewer,
      body: html`<main class="bot-page">
        ${manage ? html`<p class="crumbs"><a href="/bots">← ${tr.t('bots.yours')}</a></p>` : ''}
        <header class="bot-head">
          <img class="bot-icon" src="${botIconOf(bot.id, '80x80')}" alt="" width="80" height="80" />
          <div>
            <h1>${bot.name} ${botBadge(tr)}</h1>
            <p class="facts">
              <span class="bot-id">${bot.id}</span> ${statusBadge(tr, view.online)}
              ${manage && !bot.enabled ? html`<span class="hint">${tr.t('bot.switchedOff')}</span>` : ''}
            </p>
            <p class="owner">
              ${
                owner
                  ? tr.h('bot.madeBy', { owner: html`<a href="/${owner.username}">${owner.name}</a>` })
                  : tr.t('bot.byOperator')
              }
            </p>
          </div>
        </header>
        ${doneNotice(tr, input.done ?? {}, view.rooms)}
        <div class="bot-layout${manage ? ' managed' : ''}">
          <div class="column">
            ${roomsSection(tr, input)} ${manage ? credentialsSection(tr, input, viewer) : ''}
            ${manage && view.failures ? failuresSection(tr, view.failures) : ''}
          </div>
          ${
            manage
              ? html`<div class="column">
                  ${settingsSection(tr, view, viewer, input.edit)} ${deleteSection(tr, bot, viewer)}
                </div>`
              : ''
          }
        </div>
      </main>`,
    }),
  };
}
