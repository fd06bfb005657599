let second = -1;
let text = '';

/** The Date header's value (RFC 9110 IMF-fixdate), formatted once a second rather than per answer. */
export function httpDate(now = Date.now()): string {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    text = new Date(s * 1000).toUTCString();
  }
  return text;
}
