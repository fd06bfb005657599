/**
 * The badge on someone's blog: a public room's latest lines and chatters, live over Server-Sent Events. It
 * speaks the language of its page (`<html lang>`, which the badge's `lang` parameter or its reader chose),
 * with the messages the page hands over.
 */

import { formatMessage, type Message, type MessageValues } from './format-message.js';
import { clockTime } from './format-time.js';

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
const timeZone = meta('lingr-timezone') || 'UTC';
const lang = document.documentElement.lang || 'en';
const messages = ((): Record<string, Message> => {
  try {
    return JSON.parse(meta('lingr-messages') || '{}') as Record<string, Message>;
  } catch {
    return {};
  }
})();
const t = (key: string, values?: MessageValues): string => formatMessage(lang, messages[key] ?? key, values);
const lines = document.querySelector<HTMLOListElement>('.badge-lines');
const chatters = document.querySelector<HTMLElement>('.badge-chatters');
const online = new Set((chatters?.dataset.usernames ?? '').split(' ').filter(Boolean));
const KEEP = 5;

function showChatters(): void {
  if (chatters) chatters.textContent = t('badge.chatters', { count: online.size });
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
  time.dateTime = m.timestamp;
  time.textContent = clockTime(lang, timeZone, new Date(m.timestamp));
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
