import type { Room } from '../core/model.js';
import type { RoomDetails, RoomEdit, RoomSummary } from '../engine/operator.js';
import { flag, runGroup, type Command, type CommandArgs } from './commands.js';
import { isoTime, plain, report, str, table, UsageError, when } from './output.js';

const visibility = (r: { isPublic: boolean; hasPassword: boolean }): string =>
  r.isPublic ? 'public' : r.hasPassword ? 'private (password)' : 'private';

const summaryJson = (r: RoomSummary) => ({
  id: r.id,
  name: r.name,
  public: r.isPublic,
  password: r.hasPassword,
  owner: r.owner,
  members: r.members,
  tags: r.tags,
  created_at: isoTime(r.createdAt),
});

const detailsJson = (r: RoomDetails) => ({
  id: r.id,
  name: r.name,
  blurb: r.blurb,
  public: r.isPublic,
  password: r.hasPassword,
  owner: r.owner,
  tags: r.tags,
  timezone: r.timezone,
  created_at: isoTime(r.createdAt),
  members: r.members.map((m) => ({
    username: m.username,
    name: m.name,
    owner: m.isOwner,
    joined_at: isoTime(m.joinedAt),
    last_active_at: isoTime(m.lastActiveAt),
  })),
  bots: r.bots,
});

function detailsText(r: RoomDetails): string {
  const members = r.members.map((m) => `${m.username}${m.isOwner ? ' (owner)' : ''}`).join(', ');
  return [
    `${r.id} (${plain(r.name)}), ${visibility(r)}`,
    `  owner:    ${r.owner ?? 'none'}`,
    `  blurb:    ${r.blurb === null ? 'none' : plain(r.blurb)}`,
    `  tags:     ${r.tags.length === 0 ? 'none' : plain(r.tags.join(', '))}`,
    `  timezone: ${r.timezone}`,
    `  created:  ${when(r.createdAt)}`,
    `  members:  ${r.members.length === 0 ? 'none' : `${r.members.length}: ${members}`}`,
    `  bots:     ${r.bots.length === 0 ? 'none' : r.bots.join(', ')}`,
  ].join('\n');
}

const roomJson = (r: Room) => ({
  id: r.id,
  name: r.name,
  blurb: r.blurb,
  public: r.isPublic,
  password: r.passwordHash !== null,
  tags: r.tags,
  timezone: r.timezone,
});

/** What `room edit` was asked to change; at least one thing. */
function edits(input: CommandArgs): RoomEdit {
  const v = input.values;
  if (v.private === true && v.public === true)
    throw new UsageError('room edit takes --private or --public, not both.', input.name);
  const tags = str(v.tags);
  const edit: RoomEdit = {
    ...(str(v.name) === undefined ? {} : { name: str(v.name) }),
    ...(str(v.blurb) === undefined ? {} : { blurb: str(v.blurb) }),
    ...(tags === undefined ? {} : { tags: tags.split(',') }),
    ...(str(v.timezone) === undefined ? {} : { timezone: str(v.timezone) }),
    ...(v.private === true ? { isPublic: false } : v.public === true ? { isPublic: true } : {}),
  };
  if (Object.keys(edit).length === 0)
    throw new UsageError(
      'room edit needs something to change: --name, --blurb, --tags, --timezone, --private or --public.',
      input.name,
    );
  return edit;
}

/** `lingr room …`: rooms, their members and bots, as the site's operator manages them. */
export const ROOM_COMMANDS: Readonly<Record<string, Command>> = {
  add: {
    help: {
      usage:
        'room add ROOM_ID --name "Name" [--blurb TEXT] [--owner USERNAME] [--private] [--tags a,b] [--timezone Area/City]',
      about: 'Creates a room; its owner, if given, becomes its first member.',
      example: 'lingr room add vim --name "Vim" --blurb "All about Vim" --owner alice --tags editor,vim',
    },
    options: {
      name: { type: 'string' },
      blurb: { type: 'string' },
      owner: { type: 'string' },
      private: { type: 'boolean' },
      tags: { type: 'string' },
      timezone: { type: 'string' },
    },
    args: ['ROOM_ID'],
    required: ['name'],
    async run(input) {
      const [id] = input.positionals as [string];
      const name = flag(input, 'name');
      const room = await input.side.administration.addRoom({
        id,
        name,
        blurb: str(input.values.blurb),
        owner: str(input.values.owner),
        isPublic: input.values.private !== true,
        tags: str(input.values.tags)?.split(','),
        timezone: str(input.values.timezone),
      });
      report(input.json, `room ${room.id} added`, { room: room.id, added: true });
    },
  },
  join: {
    help: {
      usage: 'room join ROOM_ID USERNAME',
      about: 'Makes the user a member of the room (how a private room takes people in).',
      example: 'lingr room join vim bob',
    },
    args: ['ROOM_ID', 'USERNAME'],
    async run(input) {
      const [roomId, username] = input.positionals as [string, string];
      const joined = await input.side.administration.join(roomId, username);
      report(
        input.json,
        joined ? `${username} joined ${roomId}` : `${username} was already a member of ${roomId}`,
        { room: roomId, username, joined },
      );
    },
  },
  leave: {
    help: {
      usage: 'room leave ROOM_ID USERNAME [--json]',
      about: 'Takes the user out of the room (its owner too); a private room closes to them at once.',
      example: 'lingr room leave vim bob',
    },
    args: ['ROOM_ID', 'USERNAME'],
    async run(input) {
      const [roomId, username] = input.positionals as [string, string];
      const left = await input.side.operator.removeMember(roomId, username);
      report(input.json, left ? `${username} left ${roomId}` : `${username} was not a member of ${roomId}`, {
        room: roomId,
        username,
        left,
      });
    },
  },
  list: {
    help: {
      usage: 'room list [--json]',
      about: 'Lists every room, private ones too, in the order they were made, with owner and members.',
      example: 'lingr room list --json',
    },
    args: [],
    async run(input) {
      const rooms = await input.side.operator.rooms();
      const rows = rooms.map((r) => [
        r.id,
        plain(r.name),
        visibility(r),
        r.owner ?? '-',
        String(r.members),
        when(r.createdAt),
      ]);
      const human =
        rooms.length === 0
          ? 'no rooms'
          : table([['ROOM', 'NAME', 'VISIBILITY', 'OWNER', 'MEMBERS', 'CREATED'], ...rows]);
      report(input.json, human, { rooms: rooms.map(summaryJson) });
    },
  },
  show: {
    help: {
      usage: 'room show ROOM_ID [--json]',
      about: 'Shows one room: its settings, owner, members and bots.',
      example: 'lingr room show vim',
    },
    args: ['ROOM_ID'],
    async run(input) {
      const [roomId] = input.positionals as [string];
      const room = await input.side.operator.room(roomId);
      report(input.json, detailsText(room), detailsJson(room));
    },
  },
  edit: {
    help: {
      usage:
        'room edit ROOM_ID [--name "Name"] [--blurb TEXT] [--tags a,b] [--timezone Area/City] [--private|--public] [--json]',
      about:
        'Changes the room’s settings as its owner’s settings form does; what is not given stays. --tags ""\n' +
        'takes every tag away. Made private, the room closes at once to everyone but its members, on running\n' +
        'servers too. A room with a password stays private.',
      example: 'lingr room edit vim --name "Vim and Neovim" --private',
    },
    options: {
      name: { type: 'string' },
      blurb: { type: 'string' },
      tags: { type: 'string' },
      timezone: { type: 'string' },
      private: { type: 'boolean' },
      public: { type: 'boolean' },
    },
    args: ['ROOM_ID'],
    check: (input) => void edits(input),
    async run(input) {
      const [roomId] = input.positionals as [string];
      const room = await input.side.operator.editRoom(roomId, edits(input));
      report(
        input.json,
        `room ${room.id} changed: ${plain(room.name)}, ${visibility({ ...room, hasPassword: room.passwordHash !== null })}`,
        roomJson(room),
      );
    },
  },
  delete: {
    help: {
      usage: 'room delete ROOM_ID [--json]',
      about:
        'Deletes the room with its lines, members and bots’ places, as its owner’s delete does; everyone\n' +
        'following it stops at once.',
      example: 'lingr room delete spam_room',
    },
    args: ['ROOM_ID'],
    async run(input) {
      const [roomId] = input.positionals as [string];
      const room = await input.side.operator.deleteRoom(roomId);
      report(input.json, `room ${room.id} deleted`, { room: room.id, deleted: true });
    },
  },
  'add-bot': {
    help: {
      usage: 'room add-bot ROOM_ID BOT_ID',
      about: 'Puts a bot in a room: it hears the lines said there from then on.',
      example: 'lingr room add-bot vim vim_jp',
    },
    args: ['ROOM_ID', 'BOT_ID'],
    async run(input) {
      const [roomId, botId] = input.positionals as [string, string];
      const added = await input.side.bots.addToRoom('operator', roomId, botId);
      report(
        input.json,
        added ? `bot ${botId} added to ${roomId}` : `bot ${botId} was already in ${roomId}`,
        {
          room: roomId,
          bot: botId,
          added,
        },
      );
    },
  },
  'remove-bot': {
    help: {
      usage: 'room remove-bot ROOM_ID BOT_ID',
      about: 'Takes a bot out of a room.',
      example: 'lingr room remove-bot vim vim_jp',
    },
    args: ['ROOM_ID', 'BOT_ID'],
    async run(input) {
      const [roomId, botId] = input.positionals as [string, string];
      const removed = await input.side.bots.removeFromRoom('operator', roomId, botId);
      report(
        input.json,
        removed ? `bot ${botId} removed from ${roomId}` : `bot ${botId} was not in ${roomId}`,
        { room: roomId, bot: botId, removed },
      );
    },
  },
};

export const roomCommand = (args: readonly string[]): Promise<void> => runGroup('room', ROOM_COMMANDS, args);
