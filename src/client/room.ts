/**
 * The live room: talks to the server's public API with the page's session cookie, over WebSocket, then
 * Server-Sent Events, then long poll, resuming by counter after any break.
 */

interface ApiMessage {
  id: string;
  local_id: string | null;
  room: string;
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

const meta = (name: string): string =>
  document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
const room = meta('lingr-room');
const csrf = meta('csrf-token');
const timeZone = meta('lingr-timezone') || undefined;
const me = meta('lingr-username');
let counter = Number(meta('lingr-counter'));

const list = document.querySelector<HTMLOListElement>('.conversation .messages');
const statusLine = document.querySelector<HTMLElement>('.connection');
const chatters = document.querySelector<HTMLUListElement>('.chatters ul');
const chattersHeading = document.querySelector<HTMLElement>('#chatters-heading');
const form = document.querySelector<HTMLFormElement>('form.say');
const box = document.querySelector<HTMLTextAreaElement>('#say-text');
const seen = new Set<string>(Array.from(document.querySelectorAll('.message'), (li) => li.id));

const clock = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' });

function setStatus(text: string, state: 'live' | 'connecting' | 'offline'): void {
  if (!statusLine) return;
  statusLine.textContent = text;
  statusLine.dataset.state = state;
}

/** Text with links made clickable, built from DOM nodes so nothing is ever parsed as HTML. */
function linkified(text: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const pattern = /\bhttps?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]]/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    fragment.append(text.slice(last, match.index));
    const a = document.createElement('a');
    a.href = match[0];
    a.rel = 'nofollow noopener noreferrer';
    a.textContent = match[0];
    fragment.append(a);
    last = (match.index ?? 0) + match[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

function scrollToEnd(): void {
  list?.lastElementChild?.scrollIntoView({ block: 'end' });
}

function addMessage(m: ApiMessage, older = false): void {
  const id = `message-${m.id}`;
  if (!list || seen.has(id)) return;
  seen.add(id);
  document.querySelector('.conversation .empty')?.remove();
  const li = document.createElement('li');
  li.className = m.speaker_id === me ? 'message own' : 'message';
  li.id = id;
  const icon = document.createElement('img');
  icon.className = 'icon';
  icon.src = `/images/user/${encodeURIComponent(m.speaker_id)}/42x42.gif`;
  icon.alt = '';
  icon.width = icon.height = 28;
  const nickname = document.createElement('span');
  nickname.className = 'nickname';
  nickname.textContent = m.nickname;
  const link = document.createElement('a');
  link.className = 'permalink';
  link.href = `#${id}`;
  const time = document.createElement('time');
  time.dateTime = m.timestamp;
  time.textContent = clock.format(new Date(m.timestamp)).replace(/\s/g, '').toLowerCase();
  link.append(time);
  const text = document.createElement('p');
  text.className = 'text';
  text.append(linkified(m.text));
  li.append(icon, nickname, link, text);
  if (older) list.prepend(li);
  else {
    list.append(li);
    scrollToEnd();
  }
}

// --- older lines load as you scroll up ------------------------------------------------------------

let loadingOlder = false;
let reachedStart = false;

async function loadOlder(): Promise<void> {
  const first = list?.querySelector<HTMLElement>('.message');
  if (!list || !first || loadingOlder || reachedStart) return;
  loadingOlder = true;
  try {
    const before = first.id.replace('message-', '');
    const res = await fetch(
      `/api/room/get_archives?room=${encodeURIComponent(room)}&before=${before}&limit=50`,
      {
        headers: { 'x-lingr-csrf': csrf },
      },
    );
    const reply = (await res.json()) as Reply & { messages?: ApiMessage[] };
    const older = reply.messages ?? [];
    if (older.length < 50) reachedStart = true;
    const height = list.scrollHeight;
    for (const m of [...older].reverse()) addMessage(m, true);
    // Keep the line the reader was looking at where it was.
    list.scrollTop += list.scrollHeight - height;
  } finally {
    loadingOlder = false;
  }
}

list?.addEventListener('scroll', () => {
  if (list.scrollTop < 80) void loadOlder();
});

function addSystemLine(text: string): void {
  if (!list) return;
  const li = document.createElement('li');
  li.className = 'system';
  li.textContent = text;
  list.append(li);
  scrollToEnd();
}

function setChatter(username: string, name: string, online: boolean): void {
  if (!chatters) return;
  const existing = chatters.querySelector<HTMLLIElement>(`li[data-username="${CSS.escape(username)}"]`);
  if (online && !existing) {
    const li = document.createElement('li');
    li.dataset.username = username;
    const icon = document.createElement('img');
    icon.className = 'icon';
    icon.src = `/images/user/${encodeURIComponent(username)}/42x42.gif`;
    icon.alt = '';
    icon.width = icon.height = 20;
    li.append(icon, ` ${name}`);
    chatters.append(li);
  } else if (!online) existing?.remove();
  const n = chatters.children.length;
  if (chattersHeading) chattersHeading.textContent = `${n} ${n === 1 ? 'chatter' : 'chatters'}`;
}

function renameChatter(username: string, name: string): void {
  const li = chatters?.querySelector<HTMLLIElement>(`li[data-username="${CSS.escape(username)}"]`);
  const icon = li?.querySelector('img');
  if (li && icon) li.replaceChildren(icon, ` ${name}`);
}

function apply(reply: Reply): void {
  for (const e of reply.events ?? []) {
    if (e.message && e.message.room === room) addMessage(e.message);
    else if (e.presence && e.presence.room === room) {
      setChatter(e.presence.username, e.presence.nickname, e.presence.status === 'online');
      addSystemLine(e.presence.text);
    } else if (e.membership && e.membership.room === room) {
      const { username, name, action } = e.membership;
      if (action === 'quit') setChatter(username, name, false);
      if (action === 'update') renameChatter(username, name);
      addSystemLine(e.membership.text);
    }
  }
  if (typeof reply.counter === 'number' && reply.counter > counter) counter = reply.counter;
}

// --- transports: WebSocket, then SSE, then long poll; each resumes from `counter` -----------------

type Transport = 'websocket' | 'sse' | 'longpoll';
const order: Transport[] = ['websocket', 'sse', 'longpoll'];
let transport = 0;
let failures = 0;
let stopped = false;

function retry(opened: boolean): void {
  if (stopped) return;
  failures = opened ? 1 : failures + 1;
  // A transport that never opened twice in a row is probably blocked: fall back to the next one.
  if (!opened && failures >= 2 && transport < order.length - 1) {
    transport++;
    failures = 0;
  }
  const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6)) * (0.5 + Math.random() / 2);
  setStatus('Reconnecting…', 'connecting');
  window.setTimeout(connect, delay);
}

function fatal(reply: Reply): void {
  stopped = true;
  setStatus(
    reply.code === 'invalid_session'
      ? 'Signed out: reload to sign in again'
      : `Disconnected (${reply.code ?? 'error'})`,
    'offline',
  );
}

function connectWebSocket(): void {
  const url = new URL(`/api/event/ws?counter=${counter}`, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url);
  let opened = false;
  ws.onopen = () => {
    opened = true;
    failures = 0;
    setStatus('Live', 'live');
  };
  ws.onmessage = (e) => apply(JSON.parse(String(e.data)) as Reply);
  ws.onclose = (e) => {
    if (e.code === 4000) return fatal({ status: 'error', code: e.reason });
    retry(opened);
  };
}

function connectSse(): void {
  const source = new EventSource(`/api/event/stream?counter=${counter}&csrf=${encodeURIComponent(csrf)}`);
  let opened = false;
  source.onopen = () => {
    opened = true;
    failures = 0;
    setStatus('Live (SSE)', 'live');
  };
  source.onmessage = (e) => apply(JSON.parse(String(e.data)) as Reply);
  source.addEventListener('error', (e) => {
    const data = (e as MessageEvent).data;
    if (typeof data === 'string') return fatal(JSON.parse(data) as Reply);
    source.close();
    retry(opened);
  });
  source.addEventListener('end', () => {
    source.close();
    retry(true);
  });
}

async function connectLongPoll(): Promise<void> {
  setStatus('Live (polling)', 'live');
  try {
    for (;;) {
      const res = await fetch(`/api/event/observe?counter=${counter}`, { headers: { 'x-lingr-csrf': csrf } });
      const reply = (await res.json()) as Reply;
      if (reply.status !== 'ok') return fatal(reply);
      failures = 0;
      apply(reply);
    }
  } catch {
    retry(false);
  }
}

function connect(): void {
  setStatus('Connecting…', 'connecting');
  const kind = order[transport];
  if (kind === 'websocket' && 'WebSocket' in window) connectWebSocket();
  else if (kind !== 'longpoll' && 'EventSource' in window) connectSse();
  else void connectLongPoll();
}

// --- saying things ---------------------------------------------------------------------------------

let pending = 0;

async function say(text: string): Promise<void> {
  const body = new URLSearchParams({
    room,
    text,
    local_id: `pending-${meta('lingr-public-id')}-${++pending}`,
  });
  const res = await fetch('/api/room/say', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-lingr-csrf': csrf },
    body,
  });
  const reply = (await res.json()) as Reply & { message?: ApiMessage };
  if (reply.status !== 'ok' || !reply.message) throw new Error(reply.detail ?? 'The line was not sent.');
  addMessage(reply.message);
}

if (form && box) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = box.value;
    if (text.trim() === '') return;
    box.value = '';
    say(text).catch((err: unknown) => {
      box.value = text;
      addSystemLine(err instanceof Error ? err.message : 'The line was not sent.');
    });
  });
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}

scrollToEnd();
connect();

// A module, so each page script has its own scope.
export {};
