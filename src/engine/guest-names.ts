import { invalidParameter } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import type { Store } from '../core/ports.js';
import { checkNickname } from '../core/text.js';

/**
 * A nickname a guest may go by: a valid nickname that does not read as a registered user's username or
 * display name (compared by `nameKey`: case, spacing, full-width forms and invisible characters aside), so
 * a guest cannot pass for someone with an account. Guests may share names with each other.
 */
export async function guestNickname(store: Store, raw: string): Promise<string> {
  const nickname = checkNickname(raw);
  if (await store.users.registeredNamed(nickname))
    throw invalidParameter(phrase('nameOfRegisteredUser', { name: nickname }));
  return nickname;
}
