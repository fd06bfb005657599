/** The badge on someone's blog: a public room's latest lines and chatters, live over Server-Sent Events. */

interface Reply {
  counter?: number;
  events?: Array<{
    message?: { id: string; room: string; nickname: string; text: string; timestamp: string };
    presence?: { room: string; username: string; status: 'online' | 'offline' };
  }>;
}

const meta = (name: string): string =>
  document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
const room = meta('lingr-room');
const timeZone = meta('lingr-timezone') || undefined;
const lines = document.querySelector<HTMLOListElement>('.badge-lines');
const chatters = document.querySelector<HTMLElement>('.badge-chatters');
const online = new Set((chatters?.dataset.usernames ?? '').split(' ').filter(Boolean));
const clock = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' });
const KEEP = 5;

function showChatters(): void {
  if (chatters) chatters.textContent = `${online.size} ${online.size === 1 ? 'chatter' : 'chatters'}`;
}

function addLine(m: NonNullable<NonNullable<Reply['events']>[number]['message']>): void {
  if (!lines || document.getElementById(`message-${m.id}`)) return;
  const li = document.createElement('li');
  li.id = `message-${m.id}`;
  const nickname = document.createElement('span');
  nickname.className = 'nickname';
  nickname.textContent = m.nickname;
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = m.text;
  const time = document.createElement('time');
  time.textContent = clock.format(new Date(m.timestamp)).replace(/\s/g, '').toLowerCase();
  li.append(nickname, ' ', text, ' ', time);
  lines.append(li);
  while (lines.children.length > KEEP) lines.firstElementChild?.remove();
}

const source = new EventSource(
  `/api/room/stream?room=${encodeURIComponent(room)}&counter=${meta('lingr-counter')}`,
);
source.onmessage = (e) => {
  const reply = JSON.parse(String(e.data)) as Reply;
  for (const event of reply.events ?? []) {
    if (event.message?.room === room) addLine(event.message);
    if (event.presence?.room === room) {
      if (event.presence.status === 'online') online.add(event.presence.username);
      else online.delete(event.presence.username);
      showChatters();
    }
  }
};

// The room is gone or no longer public: stop asking (EventSource would reconnect for ever).
source.addEventListener('error', (e) => {
  if (e instanceof MessageEvent) source.close();
});
source.addEventListener('end', (e) => {
  if (String((e as MessageEvent).data).includes('room_closed')) source.close();
});

// A module, so each page script has its own scope.
export {};
