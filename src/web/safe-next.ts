/** Only local paths are followed after sign-in, never another site. */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?!\/)[\w\-./%?=&#+,]*$/.test(next) ? next : '/';
}
