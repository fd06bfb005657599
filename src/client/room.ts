/**
 * The live room (and, on Explore, the live unread counts of "Your rooms"): talks to the server's public API
 * with the page's session cookie, over WebSocket, then Server-Sent Events, then long poll, resuming by
 * counter after any break and going back to WebSocket as soon as it works again.
 */

import { formatMessage, type Message, type MessageValues } from './format-message.js';
import { clockTime, dateKey, dayLabel, fullDate as dateInWords } from './format-time.js';

interface ApiMessage {
  id: string;
  local_id: string | null;
  room: string;
  /** "bot" for a bot's line: its speaker is a bot id, not a username. */
  type: 'user' | 'bot';
  speaker_id: string;
  nickname: string;
  text: string;
  timestamp: string;
}
interface ApiPresence {
  room: string;
  username: string;
  nickname: string;
  status: 'online' | 'offline';
  text: string;
}
interface ApiMembership {
  room: string;
  username: string;
  name: string;
  action: string;
  text: string;
}
interface ApiEvent {
  event_id: number;
  message?: ApiMessage;
  presence?: ApiPresence;
  membership?: ApiMembership;
}
interface Reply {
  status: string;
  counter?: number;
  events?: ApiEvent[];
  code?: string;
  detail?: string;
}

const $ = <T extends Element>(selector: string, root: ParentNode = document): T | null =>
  root.querySelector<T>(selector);
const make = <K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = '') => {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text) el.textContent = text;
  return el;
};
const meta = (name: string): string => $<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
const room = meta('lingr-room');
const csrf = meta('csrf-token');
const roomZone = meta('lingr-timezone') || 'UTC';
const me = meta('lingr-username');
const myName = meta('lingr-name');
let counter = Number(meta('lingr-counter'));
const owners = new Set(meta('lingr-owners').split(' ').filter(Boolean));

const list = $<HTMLOListElement>('.conversation .messages');
const statusLine = $<HTMLElement>('.connection');
const chatters = $<HTMLUListElement>('.chatters ul');
const chattersHeading = $<HTMLElement>('#chatters-heading');
const form = $<HTMLFormElement>('form.say');
const box = $<HTMLTextAreaElement>('#say-text');
const seen = new Set<string>(Array.from(document.querySelectorAll('.message'), (li) => li.id));
const baseTitle = document.title;

// --- words: the page's language, and the messages of the catalog the page handed over -----------------

const lang = document.documentElement.lang || 'en';
const messages = ((): Record<string, Message> => {
  try {
    return JSON.parse(meta('lingr-messages') || '{}') as Record<string, Message>;
  } catch {
    return {};
  }
})();
/** A message of the catalog (web/i18n) in the page's language; its key if the page did not send it. */
const t = (key: string, values?: MessageValues): string => formatMessage(lang, messages[key] ?? key, values);

// --- time: the room's timezone, or the reader's own -----------------------------------------------

const ZONE_KEY = 'lingr-zone';
const ownZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let zone = localStorage.getItem(ZONE_KEY) === 'mine' ? ownZone : roomZone;
// Times read as the server writes them: the same functions, shared with it (format-time.ts).
const clock = (at: Date) => clockTime(lang, zone, at);
const fullTime = (at: Date) =>
  t('live.fullTime', { date: dateInWords(lang, zone, at), time: clock(at), zone });
/** Archive days are the room's local days, so permalinks are too, whatever zone the reader shows. */
const permalink = (m: ApiMessage) =>
  `/room/${room}/archives/${dateKey(roomZone, new Date(m.timestamp)).replace(/-/g, '/')}#message-${m.id}`;

function showTime(li: Element): void {
  const time = $<HTMLTimeElement>('.permalink time', li);
  if (!time) return;
  const at = new Date(time.dateTime);
  time.textContent = clock(at);
  time.title = fullTime(at);
  time.parentElement?.setAttribute('aria-label', t('live.permalink', { time: fullTime(at) }));
}

/** Day dividers wherever the shown zone's date changes between lines. */
function redivide(): void {
  if (!list) return;
  list.querySelectorAll('.day-divider').forEach((d) => d.remove());
  let day = '';
  const now = Date.now();
  for (const li of Array.from(list.querySelectorAll('.message'))) {
    const dt = $<HTMLTimeElement>('time', li)?.dateTime;
    if (!dt) continue;
    const at = new Date(dt);
    const key = dateKey(zone, at);
    if (key === day) continue;
    day = key;
    const divider = make('li', 'day-divider');
    divider.setAttribute('role', 'separator');
    const time = make('time', '', dayLabel(lang, zone, at, now));
    time.dateTime = key;
    time.title = dateInWords(lang, zone, at);
    divider.append(time);
    li.before(divider);
  }
}

function zoneChoice(): void {
  const slot = $('.zone-choice');
  if (!slot || ownZone === roomZone) return;
  const select = make('select');
  select.setAttribute('aria-label', t('live.showTimesIn'));
  for (const [value, label] of [
    ['room', t('live.roomTime')],
    ['mine', t('live.myTime', { zone: ownZone })],
  ] as const) {
    const option = make('option', '', label);
    option.value = value;
    option.selected = (value === 'mine') === (zone === ownZone);
    select.append(option);
  }
  select.addEventListener('change', () => {
    localStorage.setItem(ZONE_KEY, select.value);
    zone = select.value === 'mine' ? ownZone : roomZone;
    const name = $('.zone-name');
    if (name) name.textContent = zone;
    document.querySelectorAll('.message').forEach(showTime);
    redivide();
  });
  const name = $('.zone-name');
  if (name) name.textContent = zone;
  slot.replaceChildren(` · ${t('live.show')} `, select);
}

// --- one line: text, links, inline images, long lines, stars, mentions -------------------------------

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]]/g;
const IMAGE_URL = /\.(?:png|jpe?g|gif|webp|avif)(?:[?#]|$)/i;
const LONG_TEXT = 1200;
const LONG_LINES = 12;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const mentionPattern = me
  ? new RegExp(
      `(^|[^\\w@])@(?:${[me, myName.replace(/\s+/g, '')].filter(Boolean).map(escapeRegExp).join('|')})(?![\\w])`,
      'i',
    )
  : null;

/** Text with links made clickable, built from DOM nodes so nothing is ever parsed as HTML. */
function linkified(text: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    fragment.append(text.slice(last, match.index));
    const a = make('a', '', match[0]);
    a.href = match[0];
    a.rel = 'nofollow noopener noreferrer';
    fragment.append(a);
    last = (match.index ?? 0) + match[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

const mentions = (text: string) => !!mentionPattern && mentionPattern.test(text);

/** What the server and this script both render gets the same enhancements here. */
function enhance(li: HTMLElement): void {
  const text = $<HTMLElement>('.text', li);
  if (!text || li.dataset.enhanced) return;
  li.dataset.enhanced = 'yes';
  showTime(li);
  const own = li.dataset.type !== 'bot' && li.dataset.speaker === me;
  if (!own && mentions(text.textContent ?? '')) li.classList.add('mention');
  for (const a of Array.from(text.querySelectorAll('a'))) {
    if (!IMAGE_URL.test(a.pathname)) continue;
    const link = make('a', 'inline-image');
    link.href = a.href;
    link.target = '_blank';
    link.rel = 'nofollow noopener noreferrer';
    const img = make('img');
    img.src = a.href;
    img.alt = t('live.image');
    img.loading = 'lazy';
    img.referrerPolicy = 'no-referrer';
    link.append(img);
    li.append(link);
  }
  const content = text.textContent ?? '';
  if (content.length > LONG_TEXT || content.split('\n').length > LONG_LINES) {
    text.classList.add('collapsed');
    const showMore = t('live.showMore', { count: content.length });
    const more = make('button', 'more', showMore);
    more.type = 'button';
    more.setAttribute('aria-expanded', 'false');
    more.addEventListener('click', () => {
      const open = text.classList.toggle('collapsed');
      more.setAttribute('aria-expanded', String(!open));
      more.textContent = open ? showMore : t('live.showLess');
    });
    text.after(more);
  }
  if (me && !li.classList.contains('pending')) li.querySelector('.permalink')?.after(starButton(li));
}

function starButton(li: HTMLElement): HTMLButtonElement {
  const star = make('button', 'star');
  star.type = 'button';
  const set = (on: boolean) => {
    star.setAttribute('aria-pressed', String(on));
    star.textContent = on ? '★' : '☆';
    star.setAttribute('aria-label', t(on ? 'live.unstar' : 'live.star'));
    if (on) li.dataset.starred = 'yes';
    else delete li.dataset.starred;
  };
  set(li.dataset.starred === 'yes');
  star.addEventListener('click', () => {
    const on = li.dataset.starred !== 'yes';
    set(on);
    api(on ? 'favorite/add' : 'favorite/remove', { message: li.id.replace('message-', '') }).catch(() =>
      set(!on),
    );
  });
  return star;
}

const isOwn = (m: ApiMessage) => m.type !== 'bot' && m.speaker_id === me;

/** The speaker's name; a bot's comes with a badge, as the server renders it. */
function speaker(m: ApiMessage): HTMLElement {
  const nickname = make('span', 'nickname', m.nickname);
  if (m.type !== 'bot') return nickname;
  const badge = make('span', 'bot-badge', t('live.bot'));
  badge.title = t('live.botTitle');
  const wrap = make('span', 'speaker');
  wrap.append(nickname, ' ', badge);
  return wrap;
}

function messageElement(m: ApiMessage): HTMLLIElement {
  const bot = m.type === 'bot';
  const li = make('li', isOwn(m) ? 'message own' : bot ? 'message bot' : 'message');
  li.id = `message-${m.id}`;
  li.dataset.speaker = m.speaker_id;
  if (bot) li.dataset.type = 'bot';
  const icon = make('img', 'icon');
  // Bots and people have separate namespaces: a bot's id may also be someone's username.
  icon.src = `/images/${bot ? 'bot' : 'user'}/${encodeURIComponent(m.speaker_id)}/42x42.gif`;
  icon.alt = '';
  icon.width = icon.height = 28;
  const link = make('a', 'permalink');
  link.href = permalink(m);
  const time = make('time');
  time.dateTime = m.timestamp;
  link.append(time);
  const text = make('p', 'text');
  text.append(linkified(m.text));
  li.append(icon, speaker(m), link, text);
  return li;
}

// --- the conversation: follow the end only when the reader is there -----------------------------------

let unseen = 0;
let mentioned = 0;
const newLines = make('button', 'new-lines');
newLines.type = 'button';
newLines.hidden = true;
newLines.addEventListener('click', () => scrollToEnd());
list?.after(newLines);

const nearEnd = () => !list || list.scrollHeight - list.scrollTop - list.clientHeight < 40;

function scrollToEnd(): void {
  if (list) list.scrollTop = list.scrollHeight;
  caughtUp();
}

function caughtUp(): void {
  unseen = 0;
  newLines.hidden = true;
  if (!document.hidden) {
    mentioned = 0;
    markRead();
  }
  updateTitle();
}

function updateTitle(): void {
  const others = Array.from(
    document.querySelectorAll<HTMLElement>('.your-rooms li:not([aria-current]) .unread'),
  )
    .map((b) => parseInt(b.textContent ?? '', 10) || 0)
    .reduce((a, b) => a + b, 0);
  const unread = unseen + others;
  // On a phone the other rooms sit behind "Room info": their count shows on the link.
  const toggle = $('.info-toggle');
  if (toggle) toggle.textContent = others ? t('live.roomInfoUnread', { count: others }) : t('live.roomInfo');
  document.title = `${mentioned ? `(@${mentioned}) ` : ''}${unread ? `(${unread}) ` : ''}${baseTitle}`;
}

function addMessage(m: ApiMessage, older = false): void {
  const id = `message-${m.id}`;
  if (!list || seen.has(id)) return;
  seen.add(id);
  $('.conversation .empty')?.remove();
  const li = messageElement(m);
  const pending = m.local_id ? document.getElementById(`pending-${m.local_id}`) : null;
  if (older) {
    list.prepend(li);
    enhance(li);
    return;
  }
  const follow = nearEnd() || isOwn(m);
  if (pending) pending.replaceWith(li);
  else list.append(li);
  enhance(li);
  const isMention = li.classList.contains('mention');
  if (follow && !document.hidden) scrollToEnd();
  else if (!isOwn(m)) {
    unseen++;
    if (isMention) {
      mentioned++;
      notify(m);
    }
    if (!follow) {
      newLines.hidden = false;
      newLines.textContent = t('live.newLines', { count: unseen });
    }
    updateTitle();
  } else if (follow) scrollToEnd();
}

let loadingOlder = false;
let reachedStart = false;

async function loadOlder(): Promise<void> {
  const first = $<HTMLElement>('.message', list ?? undefined);
  if (!list || !first || loadingOlder || reachedStart) return;
  loadingOlder = true;
  try {
    const before = first.id.replace('message-', '');
    const reply = (await api(
      `room/get_archives?room=${encodeURIComponent(room)}&before=${before}&limit=50`,
    )) as Reply & { messages?: ApiMessage[] };
    const older = reply.messages ?? [];
    if (older.length < 50) reachedStart = true;
    const height = list.scrollHeight;
    for (const m of [...older].reverse()) addMessage(m, true);
    redivide();
    // Keep the line the reader was looking at where it was.
    list.scrollTop += list.scrollHeight - height;
  } catch {
    // The next scroll tries again.
  } finally {
    loadingOlder = false;
  }
}

list?.addEventListener('scroll', () => {
  if (list.scrollTop < 80) void loadOlder();
  if (nearEnd() && (unseen > 0 || !newLines.hidden)) caughtUp();
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && nearEnd()) caughtUp();
});

function addSystemLine(text: string): void {
  if (!list) return;
  const follow = nearEnd();
  list.append(make('li', 'system', text));
  if (follow) scrollToEnd();
}

// --- read marks, unread counts of the other rooms, notifications -------------------------------------

let readTimer = 0;
function markRead(): void {
  const lines = list?.querySelectorAll<HTMLElement>('.message:not(.pending)');
  const newest = lines?.[lines.length - 1];
  if (!room || !newest || meta('lingr-member') !== 'yes') return;
  window.clearTimeout(readTimer);
  readTimer = window.setTimeout(() => {
    const body = new URLSearchParams({ csrf, message: newest.id.replace('message-', '') });
    void fetch(`/room/${encodeURIComponent(room)}/read`, { method: 'POST', body }).catch(() => undefined);
  }, 500);
}

function bumpUnread(m: ApiMessage): void {
  for (const badge of Array.from(
    document.querySelectorAll<HTMLElement>(`[data-room="${CSS.escape(m.room)}"] .unread`),
  )) {
    const n = (parseInt(badge.textContent ?? '', 10) || 0) + 1;
    badge.textContent = n >= 100 ? '99+' : String(n);
    badge.setAttribute('aria-label', t('live.unread', { n: badge.textContent }));
    badge.hidden = false;
    if (!isOwn(m) && mentions(m.text)) badge.classList.add('mentioned');
  }
  updateTitle();
}

function notify(m: ApiMessage): void {
  if (!document.hidden || !('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(t('live.mentioned', { name: m.nickname }), {
    body: m.text.slice(0, 200),
    tag: m.id,
  });
  n.onclick = () => {
    window.focus();
    document.getElementById(`message-${m.id}`)?.scrollIntoView({ block: 'center' });
  };
}

function notificationSwitch(): void {
  const nav = $('.sidebar nav ul');
  if (!nav || !('Notification' in window) || !room) return;
  const item = make('li');
  const button = make('button', 'link');
  button.type = 'button';
  const label = () => {
    const p = Notification.permission;
    button.textContent = t(
      p === 'granted' ? 'live.notifyOn' : p === 'denied' ? 'live.notifyBlocked' : 'live.notifyAsk',
    );
    button.disabled = p !== 'default';
  };
  button.addEventListener('click', () => void Notification.requestPermission().then(label));
  label();
  item.append(button);
  nav.append(item);
}

// --- chatters -----------------------------------------------------------------------------------------

function setChatter(username: string, name: string, online: boolean): void {
  if (!chatters) return;
  const existing = chatters.querySelector<HTMLLIElement>(`li[data-username="${CSS.escape(username)}"]`);
  if (online && !existing) {
    const li = make('li');
    li.dataset.username = username;
    const icon = make('img', 'icon');
    icon.src = `/images/user/${encodeURIComponent(username)}/42x42.gif`;
    icon.alt = '';
    icon.width = icon.height = 20;
    li.append(icon, ` ${name}`);
    if (owners.has(username)) li.append(' ', make('span', 'owner-badge', t('live.owner')));
    chatters.append(li);
  } else if (!online) existing?.remove();
  if (chattersHeading) chattersHeading.textContent = t('live.chatters', { count: chatters.children.length });
}

/** The name someone goes by here, as the page shows it: in the chatters list, else on their last line. */
function shownName(username: string): string | undefined {
  const li = chatters?.querySelector<HTMLLIElement>(`li[data-username="${CSS.escape(username)}"]`);
  const listed = li
    ? Array.from(li.childNodes, (n) => (n.nodeType === Node.TEXT_NODE ? n.textContent : ''))
        .join('')
        .trim()
    : '';
  if (listed) return listed;
  const lines = document.querySelectorAll<HTMLElement>(
    `.message[data-speaker="${CSS.escape(username)}"]:not([data-type="bot"]) .nickname`,
  );
  return lines[lines.length - 1]?.textContent ?? undefined;
}

/** What a membership change says in the conversation, in the page's language. */
function membershipLine(action: string, name: string, previous: string | undefined): string {
  if (action === 'join') return t('live.joined', { name });
  if (action === 'quit') return t('live.left', { name });
  return previous && previous !== name
    ? t('live.renamed', { previous, name })
    : t('live.renamedUnknown', { name });
}

function renameChatter(username: string, name: string): void {
  const li = chatters?.querySelector<HTMLLIElement>(`li[data-username="${CSS.escape(username)}"]`);
  const icon = li?.querySelector('img');
  const owner = li?.querySelector('.owner-badge');
  if (li && icon) li.replaceChildren(icon, ` ${name}`, ...(owner ? [' ', owner] : []));
}

function apply(reply: Reply): void {
  let changed = false;
  for (const e of reply.events ?? []) {
    if (e.message && e.message.room === room) {
      addMessage(e.message);
      changed = true;
    } else if (e.message) bumpUnread(e.message);
    else if (e.presence && e.presence.room === room) {
      const { username, nickname, status } = e.presence;
      setChatter(username, nickname, status === 'online');
      addSystemLine(t(status === 'online' ? 'live.online' : 'live.offline', { name: nickname }));
    } else if (e.membership && e.membership.room === room) {
      const { username, name, action } = e.membership;
      // The API says it in English; the page says it in its own words, from the same facts.
      const line = membershipLine(action, name, shownName(username));
      if (action === 'quit') setChatter(username, name, false);
      if (action === 'update') renameChatter(username, name);
      addSystemLine(line);
    }
  }
  if (changed) redivide();
  if (typeof reply.counter === 'number' && reply.counter > counter) counter = reply.counter;
}

// --- transports: WebSocket, then SSE, then long poll; each resumes from `counter` -----------------

type Transport = 'websocket' | 'sse' | 'longpoll';
const order: Transport[] = ['websocket', 'sse', 'longpoll'];
const UPGRADE_FIRST_MS = 5_000;
const UPGRADE_LAST_MS = 5 * 60_000;
let transport = 0;
let failures = 0;
let stopped = false;
let closeCurrent: () => void = () => undefined;
let upgradeTimer = 0;
let upgradeMs = UPGRADE_FIRST_MS;

function setStatus(text: string, state: 'live' | 'connecting' | 'offline', kind?: Transport): void {
  if (!statusLine) return;
  statusLine.hidden = false;
  statusLine.textContent = text;
  statusLine.dataset.state = state;
  if (kind) statusLine.dataset.transport = kind;
  else delete statusLine.dataset.transport;
}

function opened(kind: Transport): void {
  failures = 0;
  if (kind === 'websocket') upgradeMs = UPGRADE_FIRST_MS;
  setStatus(
    t(kind === 'websocket' ? 'live.live' : kind === 'sse' ? 'live.liveSse' : 'live.livePolling'),
    'live',
    kind,
  );
  if (transport > 0) scheduleUpgrade();
  retryFailed();
}

/** On a fallback, try WebSocket again, less often each time; the fallback keeps running until it opens. */
function scheduleUpgrade(): void {
  window.clearTimeout(upgradeTimer);
  const wait = upgradeMs;
  upgradeMs = Math.min(UPGRADE_LAST_MS, upgradeMs * 2);
  upgradeTimer = window.setTimeout(() => {
    if (stopped || transport === 0 || !('WebSocket' in window)) return;
    const probe = new WebSocket(wsUrl());
    probe.onopen = () => {
      probe.onclose = null;
      probe.close();
      closeCurrent();
      transport = 0;
      connect();
    };
    probe.onclose = () => scheduleUpgrade();
  }, wait);
}

function retry(wasOpen: boolean): void {
  if (stopped) return;
  window.clearTimeout(upgradeTimer);
  // A break after the stream worked (a restart, a network change): start again from the best transport.
  if (wasOpen) {
    transport = 0;
    failures = 0;
  }
  failures++;
  // A transport that never opened twice in a row is probably blocked: fall back to the next one.
  if (!wasOpen && failures > 2 && transport < order.length - 1) {
    transport++;
    failures = 1;
  }
  const delay = Math.min(30_000, 250 * 2 ** Math.min(failures, 7)) * (0.5 + Math.random() / 2);
  setStatus(t('live.reconnecting'), 'connecting');
  window.setTimeout(connect, delay);
}

function fatal(reply: Reply): void {
  stopped = true;
  closeCurrent();
  setStatus(
    reply.code === 'invalid_session'
      ? t('live.signedOut')
      : t('live.disconnected', { code: reply.code ?? 'error' }),
    'offline',
  );
}

function wsUrl(): URL {
  const url = new URL(`/api/event/ws?counter=${counter}`, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url;
}

function connectWebSocket(): void {
  const ws = new WebSocket(wsUrl());
  let open = false;
  closeCurrent = () => {
    ws.onclose = null;
    ws.close();
  };
  ws.onopen = () => {
    open = true;
    opened('websocket');
  };
  ws.onmessage = (e) => apply(JSON.parse(String(e.data)) as Reply);
  ws.onclose = (e) => {
    if (e.code === 4000) return fatal({ status: 'error', code: e.reason });
    retry(open);
  };
}

function connectSse(): void {
  const source = new EventSource(`/api/event/stream?counter=${counter}&csrf=${encodeURIComponent(csrf)}`);
  let open = false;
  closeCurrent = () => source.close();
  source.onopen = () => {
    open = true;
    opened('sse');
  };
  source.onmessage = (e) => apply(JSON.parse(String(e.data)) as Reply);
  source.addEventListener('error', (e) => {
    const data = (e as MessageEvent).data;
    if (typeof data === 'string') return fatal(JSON.parse(data) as Reply);
    source.close();
    retry(open);
  });
  source.addEventListener('end', () => {
    source.close();
    retry(true);
  });
}

async function connectLongPoll(): Promise<void> {
  const abort = new AbortController();
  closeCurrent = () => abort.abort();
  let open = false;
  try {
    // "Live" only once the server has answered for this session; the polls below are held.
    const check = await api('session/verify', undefined, abort.signal);
    if (check.status !== 'ok') return fatal(check);
    open = true;
    opened('longpoll');
    for (;;) {
      const reply = await api(`event/observe?counter=${counter}`, undefined, abort.signal);
      if (reply.status !== 'ok') return fatal(reply);
      apply(reply);
    }
  } catch {
    if (!abort.signal.aborted) retry(open);
  }
}

function connect(): void {
  if (stopped) return;
  setStatus(t('live.connecting'), 'connecting');
  const kind = order[transport];
  if (kind === 'websocket' && 'WebSocket' in window) connectWebSocket();
  else if (kind !== 'longpoll' && 'EventSource' in window) connectSse();
  else void connectLongPoll();
}

window.addEventListener('online', () => {
  if (transport > 0 || statusLine?.dataset.state !== 'live') {
    closeCurrent();
    transport = 0;
    failures = 0;
    connect();
  }
});

// A closing page says so, so its viewer leaves the chatters list within seconds, not minutes.
window.addEventListener('pagehide', (e) => {
  if (!e.persisted) navigator.sendBeacon('/away', new URLSearchParams({ csrf }));
});

// --- saying things: nothing typed is ever lost ---------------------------------------------------------

async function api(method: string, params?: Record<string, string>, signal?: AbortSignal): Promise<Reply> {
  const res = await fetch(
    `/api/${method}`,
    params
      ? {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-lingr-csrf': csrf },
          body: new URLSearchParams(params),
          signal,
        }
      : { headers: { 'x-lingr-csrf': csrf }, signal },
  );
  return (await res.json()) as Reply;
}

let sent = 0;
const failed = new Set<HTMLElement>();

/** Why a line was not sent, by the API's stable code (its English detail is not for every reader). */
const NOT_SENT: Readonly<Record<string, string>> = {
  rate_limited: 'live.notSent.rateLimited',
  invalid_session: 'live.notSent.signedOut',
  forbidden: 'live.notSent.notMember',
  not_found: 'live.notSent.gone',
  invalid_parameter: 'live.notSent.invalid',
};

const reasonOf = (reply: Reply | undefined): string =>
  t(!reply ? 'live.notSent.unreachable' : (NOT_SENT[reply.code ?? ''] ?? 'live.notSent.refused'));

function pendingLine(text: string, localId: string): HTMLLIElement {
  const li = make('li', 'message own pending');
  li.id = `pending-${localId}`;
  const icon = make('img', 'icon');
  icon.src = `/images/user/${encodeURIComponent(me)}/42x42.gif`;
  icon.alt = '';
  icon.width = icon.height = 28;
  const body = make('p', 'text');
  body.append(linkified(text));
  const state = make('p', 'state', t('live.sending'));
  state.setAttribute('role', 'status');
  li.append(icon, make('span', 'nickname', myName || me), make('span'), body, state);
  return li;
}

async function send(li: HTMLElement, text: string, localId: string): Promise<void> {
  const state = $<HTMLElement>('.state', li);
  li.classList.remove('failed');
  failed.delete(li);
  if (state) state.textContent = t('live.sending');
  let reply: Reply | undefined;
  try {
    reply = await api('room/say', { room, text, local_id: localId });
  } catch {
    reply = undefined;
  }
  const message = (reply as (Reply & { message?: ApiMessage }) | undefined)?.message;
  if (reply?.status === 'ok' && message) {
    addMessage(message);
    li.remove();
    redivide();
    return;
  }
  li.classList.add('failed');
  if (!reply) failed.add(li);
  if (!state) return;
  state.textContent = reasonOf(reply);
  const again = make('button', 'secondary', t('live.retry'));
  again.type = 'button';
  again.addEventListener('click', () => void send(li, text, localId));
  const drop = make('button', 'link', t('live.discard'));
  drop.type = 'button';
  drop.addEventListener('click', () => {
    failed.delete(li);
    li.remove();
  });
  state.append(again, drop);
}

/** Lines that failed because the server was out of reach go again once it answers. */
function retryFailed(): void {
  for (const li of Array.from(failed)) $<HTMLButtonElement>('.state button', li)?.click();
}

function say(text: string): void {
  if (!list) return;
  const localId = `pending-${meta('lingr-public-id')}-${Date.now().toString(36)}-${++sent}`;
  $('.conversation .empty')?.remove();
  const li = pendingLine(text, localId);
  list.append(li);
  scrollToEnd();
  void send(li, text, localId);
}

// --- @name completion ----------------------------------------------------------------------------------

const completion = make('ul', 'completion');
completion.id = 'completion';
completion.setAttribute('role', 'listbox');
completion.setAttribute('aria-label', t('live.names'));
completion.hidden = true;
let choices: string[] = [];
let chosen = 0;

function names(): string[] {
  const found = new Set<string>();
  document.querySelectorAll<HTMLElement>('.chatters li[data-username]').forEach((li) => {
    if (li.dataset.username) found.add(li.dataset.username);
  });
  document.querySelectorAll<HTMLElement>('.message[data-speaker]').forEach((li) => {
    if (li.dataset.speaker) found.add(li.dataset.speaker);
  });
  found.delete(me);
  return [...found];
}

function typedName(): { start: number; prefix: string } | undefined {
  if (!box) return undefined;
  const before = box.value.slice(0, box.selectionStart);
  const match = /(^|\s)@([\w-]*)$/.exec(before);
  return match ? { start: before.length - (match[2] ?? '').length, prefix: match[2] ?? '' } : undefined;
}

function showCompletion(): void {
  const typed = typedName();
  choices = typed
    ? names()
        .filter((n) => n.toLowerCase().startsWith(typed.prefix.toLowerCase()))
        .sort()
        .slice(0, 8)
    : [];
  chosen = 0;
  completion.hidden = choices.length === 0;
  completion.replaceChildren(
    ...choices.map((name, i) => {
      const li = make('li', '', `@${name}`);
      li.id = `completion-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(i === chosen));
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        chosen = i;
        complete();
      });
      return li;
    }),
  );
  if (!completion.hidden) box?.setAttribute('aria-activedescendant', `completion-${chosen}`);
  else box?.removeAttribute('aria-activedescendant');
}

function moveChoice(by: number): void {
  chosen = (chosen + by + choices.length) % choices.length;
  completion
    .querySelectorAll('li')
    .forEach((li, i) => li.setAttribute('aria-selected', String(i === chosen)));
  box?.setAttribute('aria-activedescendant', `completion-${chosen}`);
}

function complete(): void {
  const typed = typedName();
  const name = choices[chosen];
  if (!box || !typed || !name) return;
  const end = box.selectionStart;
  box.setRangeText(`${name} `, typed.start, end, 'end');
  completion.hidden = true;
  box.focus();
}

if (form && box) {
  form.append(completion);
  box.setAttribute('aria-autocomplete', 'list');
  box.setAttribute('aria-controls', 'completion');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = box.value;
    if (text.trim() === '') return;
    box.value = '';
    completion.hidden = true;
    say(text);
  });
  box.addEventListener('input', showCompletion);
  box.addEventListener('blur', () => {
    completion.hidden = true;
  });
  // An input method's composition (Japanese and other languages confirm a word with Enter) is followed by
  // its events as well as the keydown's own flags: some browsers report the confirming Enter after
  // compositionend (with keyCode 229), others without isComposing.
  let composing = false;
  box.addEventListener('compositionstart', () => {
    composing = true;
  });
  box.addEventListener('compositionend', () => {
    composing = false;
  });
  // A composition cut short by leaving the box must not keep Enter from sending ever after.
  box.addEventListener('blur', () => {
    composing = false;
  });
  const composingWith = (e: KeyboardEvent) => composing || e.isComposing || e.keyCode === 229;
  box.addEventListener('keydown', (e) => {
    if (!completion.hidden && choices.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        return moveChoice(e.key === 'ArrowDown' ? 1 : -1);
      }
      if ((e.key === 'Enter' || e.key === 'Tab') && !composingWith(e)) {
        e.preventDefault();
        return complete();
      }
      if (e.key === 'Escape') {
        completion.hidden = true;
        return;
      }
    }
    // Never send during a composition: its Enter confirms the word, it does not send the line.
    if (e.key === 'Enter' && !e.shiftKey && !composingWith(e)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}

document.querySelectorAll<HTMLElement>('.message').forEach(enhance);
zoneChoice();
redivide();
notificationSwitch();
scrollToEnd();
connect();

// A module, so each page script has its own scope.
export {};
