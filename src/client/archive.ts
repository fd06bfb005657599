/**
 * Archive day pages: a permalink's `#message-N` never reaches the server, so when it names a line that is
 * not on this page (a permalink dated by UTC for a room in another timezone, or a line on another page of
 * a busy day), ask the server where that line is: /room/ID/message/N redirects to its day and page.
 */

const room = document.querySelector<HTMLMetaElement>('meta[name="lingr-room"]')?.content ?? '';
/** Asked once per line per tab and minute, so a line that moved away (deleted) cannot loop. */
const ASKED_KEY = 'lingr-archive-asked';

function remembered(id: string): boolean {
  try {
    const asked = JSON.parse(sessionStorage.getItem(ASKED_KEY) ?? '{}') as Record<string, number>;
    const fresh = Date.now() - (asked[id] ?? 0) < 60_000;
    if (!fresh) sessionStorage.setItem(ASKED_KEY, JSON.stringify({ ...asked, [id]: Date.now() }));
    return fresh;
  } catch {
    return false;
  }
}

function follow(): void {
  const id = /^#message-(\d+)$/.exec(location.hash)?.[1];
  if (!room || !id || document.getElementById(`message-${id}`) || remembered(id)) return;
  location.replace(`/room/${encodeURIComponent(room)}/message/${id}`);
}

follow();
window.addEventListener('hashchange', follow);

// A module, so each page script has its own scope.
export {};
