import type { UserDetails, UserSummary } from '../engine/operator.js';
import { flag, runGroup, type Command, type CommandArgs } from './commands.js';
import { isoTime, plain, report, str, table, UsageError, when } from './output.js';
import { askHidden, firstLineOfStdin } from './prompt.js';

/** The account's own fields, first in both the list's and `user show`'s JSON. */
const accountJson = (u: Omit<UserSummary, 'rooms'>) => ({
  username: u.username,
  name: u.name,
  email: u.email,
  admin: u.admin,
  guest: u.guest,
  created_at: isoTime(u.createdAt),
});

const userJson = (u: UserSummary) => ({ ...accountJson(u), rooms: u.rooms });

const detailsJson = (u: UserDetails) => ({
  ...accountJson(u),
  last_active_at: isoTime(u.lastActiveAt),
  sessions: u.sessions,
  rooms: u.rooms.map((r) => ({
    id: r.id,
    name: r.name,
    owner: r.isOwner,
    joined_at: isoTime(r.joinedAt),
    last_active_at: isoTime(r.lastActiveAt),
  })),
});

function detailsText(u: UserDetails): string {
  const rooms = u.rooms.map((r) => `${r.id}${r.isOwner ? ' (owner)' : ''}`).join(', ');
  return [
    `${u.username} (${plain(u.name)})${u.guest ? ', a guest' : ''}`,
    `  email:         ${u.email === null ? 'none' : plain(u.email)}`,
    `  administrator: ${u.admin ? 'yes' : 'no'}`,
    `  signed up:     ${when(u.createdAt)}`,
    `  last active:   ${when(u.lastActiveAt)}`,
    `  sessions:      ${u.sessions}`,
    `  rooms:         ${rooms === '' ? 'none' : rooms}`,
  ].join('\n');
}

/** Where the new password comes from: standard input with --password-stdin, else a terminal, else nowhere. */
function checkPasswordSource(input: CommandArgs): void {
  if (input.values['password-stdin'] !== true && process.stdin.isTTY !== true)
    throw new UsageError(
      'user passwd asks for the password on a terminal; in a script, give it on standard input with --password-stdin.',
      input.name,
    );
}

/** The new password: the first line of standard input with --password-stdin, else asked twice. */
async function newPassword(input: CommandArgs): Promise<string> {
  if (input.values['password-stdin'] === true) return firstLineOfStdin(input.name);
  const first = await askHidden('New password: ', input.name);
  const again = await askHidden('The same password again: ', input.name);
  if (first !== again) throw new UsageError('the two passwords differ; nothing was changed.', input.name);
  return first;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** `lingr user …`: accounts, as the site's operator manages them. */
export const USER_COMMANDS: Readonly<Record<string, Command>> = {
  add: {
    help: {
      usage: 'user add USERNAME --password PW [--name "Display Name"] [--email ADDRESS]',
      about:
        'Creates an account. The username is 1 to 40 letters, digits or underscores; the password 8 or more characters.',
      example: `lingr user add alice --password 'correct horse' --name "Alice" --email alice@example.org`,
    },
    options: { password: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' } },
    args: ['USERNAME'],
    required: ['password'],
    async run(input) {
      const [username] = input.positionals as [string];
      const password = flag(input, 'password');
      const user = await input.side.administration.addUser({
        username,
        password,
        name: str(input.values.name),
        email: str(input.values.email),
      });
      report(input.json, `user ${user.username} added`, { username: user.username, added: true });
    },
  },
  list: {
    help: {
      usage: 'user list [--guests] [--json]',
      about:
        'Lists the accounts in the order they signed up: username, name, email, administrator, when they\n' +
        'signed up and how many rooms they are in. Guests (people who came in with only a nickname) are\n' +
        'left out unless --guests is given.',
      example: 'lingr user list --json --data /var/lib/lingr',
    },
    options: { guests: { type: 'boolean' } },
    args: [],
    async run(input) {
      const users = await input.side.operator.users({ guests: input.values.guests === true });
      const rows = users.map((u) => [
        u.username,
        plain(u.name),
        u.email === null ? '-' : plain(u.email),
        u.admin ? 'admin' : u.guest ? 'guest' : '-',
        when(u.createdAt),
        String(u.rooms),
      ]);
      const human =
        users.length === 0
          ? 'no users'
          : table([['USERNAME', 'NAME', 'EMAIL', 'ROLE', 'SIGNED UP', 'ROOMS'], ...rows]);
      report(input.json, human, { users: users.map(userJson) });
    },
  },
  show: {
    help: {
      usage: 'user show USERNAME [--json]',
      about:
        'Shows one account: name, email, administrator, when it signed up and was last active, its sessions and rooms.',
      example: 'lingr user show alice',
    },
    args: ['USERNAME'],
    async run(input) {
      const [username] = input.positionals as [string];
      const user = await input.side.operator.user(username);
      report(input.json, detailsText(user), detailsJson(user));
    },
  },
  passwd: {
    help: {
      usage: 'user passwd USERNAME [--password-stdin] [--json]',
      about:
        'Gives the account a new password, asked twice on the terminal without showing it (or read from the\n' +
        'first line of standard input with --password-stdin). The account is signed out everywhere at once:\n' +
        'a reset usually follows a forgotten or stolen password, and no old session should outlive it.',
      example: `printf '%s\\n' "$NEW_PASSWORD" | lingr user passwd alice --password-stdin`,
    },
    options: { 'password-stdin': { type: 'boolean' } },
    args: ['USERNAME'],
    check: checkPasswordSource,
    async run(input) {
      const [username] = input.positionals as [string];
      const ended = await input.side.operator.setPassword(username, await newPassword(input));
      report(input.json, `password of ${username} changed; ${plural(ended, 'session')} signed out`, {
        username,
        signed_out: ended,
      });
    },
  },
  rename: {
    help: {
      usage: 'user rename USERNAME --name "Display Name" [--json]',
      about: 'Changes the display name people see (not the username): in their sessions and rooms at once.',
      example: 'lingr user rename alice --name "Alice Liddell"',
    },
    options: { name: { type: 'string' } },
    args: ['USERNAME'],
    required: ['name'],
    async run(input) {
      const [username] = input.positionals as [string];
      const { user, previous } = await input.side.operator.rename(username, flag(input, 'name'));
      report(
        input.json,
        previous === user.name
          ? `${user.username} was already named ${plain(user.name)}`
          : `${user.username} renamed from ${plain(previous)} to ${plain(user.name)}`,
        { username: user.username, name: user.name, previous_name: previous },
      );
    },
  },
  delete: {
    help: {
      usage: 'user delete USERNAME [--json]',
      about:
        'Deletes the account: it leaves its rooms, its sessions end at once (on running servers too), and its\n' +
        'password, email and icon go. Its lines stay, shown under its old name as a deleted user’s, and its\n' +
        'username is never given to anyone again. Rooms it owned stay, without an owner.',
      example: 'lingr user delete spammer',
    },
    args: ['USERNAME'],
    async run(input) {
      const [username] = input.positionals as [string];
      const { rooms, sessions } = await input.side.operator.deleteUser(username);
      report(
        input.json,
        `user ${username} deleted; left ${plural(rooms, 'room')}, ${plural(sessions, 'session')} signed out`,
        { username, deleted: true, rooms_left: rooms, signed_out: sessions },
      );
    },
  },
  admin: {
    help: {
      usage: 'user admin USERNAME [--off] [--json]',
      about: 'Makes the account a site administrator, or with --off no longer one.',
      example: 'lingr user admin alice',
    },
    options: { off: { type: 'boolean' } },
    args: ['USERNAME'],
    async run(input) {
      const [username] = input.positionals as [string];
      const admin = input.values.off !== true;
      const changed = await input.side.operator.setAdmin(username, admin);
      const state = admin ? 'an administrator' : 'not an administrator';
      report(input.json, `${username} ${changed ? 'is now' : 'was already'} ${state}`, {
        username,
        admin,
        changed,
      });
    },
  },
};

export const userCommand = (args: readonly string[]): Promise<void> => runGroup('user', USER_COMMANDS, args);
