import type { Person, ListedRoom } from '../engine/queries.js';
import type { RoomView } from '../engine/conversation.js';
import { formatLine } from './irc-message.js';
import { Numeric } from './numerics.js';
import { channelOf, maskOf, TOPIC_BYTES, USER_HOST, type IrcRender } from './irc-render.js';
import { LINE_BYTES } from './irc-split.js';

/** Who this server is, as its welcome and MOTD say. */
export interface ServerIdentity {
  /** The name in the source of server lines (the public URL's host). */
  name: string;
  version: string;
  publicUrl: string;
  /** When this process started (RPL_CREATED). */
  startedAt: number;
}

/** Room ids are up to 40 characters, with the `#`. */
export const CHANNEL_LEN = 41;
/** Usernames are up to 40 characters. */
export const NICK_LEN = 40;
/** Rooms listed by LIST (the newest public ones). */
export const LIST_LIMIT = 200;

/** Builds one numeric reply addressed to `nick`. */
export type Reply = (numeric: string, ...params: string[]) => string;

export const replier =
  (server: ServerIdentity, nick: () => string): Reply =>
  (numeric, ...params) =>
    formatLine(server.name, numeric, [nick(), ...params]);

/** 001 to 005, then the MOTD. */
export function welcome(server: ServerIdentity, nick: string, reply: Reply): string {
  const isupport = [
    'CHANTYPES=#',
    'PREFIX=(o)@',
    'NETWORK=Lingr',
    'CASEMAPPING=ascii',
    `CHANNELLEN=${CHANNEL_LEN}`,
    `NICKLEN=${NICK_LEN}`,
    `TOPICLEN=${TOPIC_BYTES}`,
    'CHANMODES=b,,,nt',
    'AWAYLEN=200',
    `LINELEN=${LINE_BYTES}`,
    'UTF8ONLY',
  ];
  return (
    reply(Numeric.welcome, `Welcome to Lingr, ${maskOf(nick)}`) +
    reply(Numeric.yourHost, `Your host is ${server.name}, running version lingr-${server.version}`) +
    reply(Numeric.created, `This server was created ${new Date(server.startedAt).toUTCString()}`) +
    formatLine(server.name, Numeric.myInfo, [
      nick,
      server.name,
      `lingr-${server.version}`,
      'i',
      'bnot',
      'bo',
    ]) +
    reply(Numeric.isupport, ...isupport, 'are supported by this server') +
    motd(server, reply)
  );
}

export function motd(server: ServerIdentity, reply: Reply): string {
  const lines = [
    `Lingr ${server.version}, Comet chat rooms, at ${server.publicUrl}`,
    'Every room is a channel: /join #room. /part #room :leave leaves the room itself.',
    'Your nick is your username; lines from the web and the APIs arrive here, and yours go there.',
  ];
  return (
    reply(Numeric.motdStart, `- ${server.name} Message of the day -`) +
    lines.map((l) => reply(Numeric.motd, `- ${l}`)).join('') +
    reply(Numeric.endOfMotd, 'End of /MOTD command.')
  );
}

/** The nick of a member as NAMES shows it: `@` for the owner. */
const prefixed = (nick: string, isOwner: boolean): string => (isOwner ? `@${nick}` : nick);

/** 353 lines of names, as many as fit, then 366. */
export function names(
  server: ServerIdentity,
  me: string,
  channel: string,
  isPublic: boolean,
  nicks: readonly string[],
): string {
  const head = formatLine(server.name, Numeric.namReply, [me, isPublic ? '=' : '*', channel, '']);
  const room = LINE_BYTES - Buffer.byteLength(head);
  let out = '';
  let line: string[] = [];
  let size = 0;
  for (const nick of nicks) {
    const n = Buffer.byteLength(nick) + 1;
    if (size + n > room && line.length > 0) {
      out += formatLine(server.name, Numeric.namReply, [me, isPublic ? '=' : '*', channel, line.join(' ')]);
      line = [];
      size = 0;
    }
    line.push(nick);
    size += n;
  }
  if (line.length > 0)
    out += formatLine(server.name, Numeric.namReply, [me, isPublic ? '=' : '*', channel, line.join(' ')]);
  return out + formatLine(server.name, Numeric.endOfNames, [me, channel, 'End of /NAMES list.']);
}

/** Who NAMES lists: every member with away-notify (the rest show as away), else those online; always me. */
export function listedMembers(view: RoomView, me: string, everyone: boolean): RoomView['members'] {
  return view.members.filter((m) => everyone || m.online || m.member.username === me);
}

/** NAMES of a room; with one prefix (`@`) multi-prefix has nothing to add, so it is the same for both. */
export function namesOf(server: ServerIdentity, me: string, view: RoomView, everyone: boolean): string {
  const nicks = listedMembers(view, me, everyone).map((m) => prefixed(m.member.username, m.member.isOwner));
  return names(server, me, channelOf(view.room.id), view.room.isPublic, nicks);
}

/** 332 and 333: the room's name, description and address; "set" by its owner when it was made. */
export function topicOf(server: ServerIdentity, reply: Reply, render: IrcRender, view: RoomView): string {
  const owner = view.members.find((m) => m.member.isOwner)?.member.username ?? server.name;
  const channel = channelOf(view.room.id);
  return (
    reply(Numeric.topic, channel, render.topic(view.room)) +
    reply(Numeric.topicWhoTime, channel, owner, String(Math.floor(view.room.createdAt / 1000)))
  );
}

/** One 352 line: `H` here or `G` gone (offline), `@` for the owner. */
export function whoLine(
  server: ServerIdentity,
  reply: Reply,
  channel: string,
  nick: string,
  name: string,
  online: boolean,
  isOwner: boolean,
): string {
  const flags = (online ? 'H' : 'G') + (isOwner ? '@' : '');
  return reply(Numeric.whoReply, channel, nick, USER_HOST, server.name, nick, flags, `0 ${name}`);
}

export function whois(server: ServerIdentity, reply: Reply, p: Person, now: number): string {
  const channels = p.rooms.map((r) => prefixed(channelOf(r.room.id), r.isOwner));
  const idle = Math.max(0, Math.floor((now - (p.lastActiveAt ?? p.createdAt)) / 1000));
  let out = reply(Numeric.whoisUser, p.username, p.username, USER_HOST, '*', p.name);
  if (channels.length > 0) out += reply(Numeric.whoisChannels, p.username, channels.join(' '));
  out += reply(Numeric.whoisServer, p.username, server.name, `Lingr at ${server.publicUrl}`);
  if (!p.online) out += reply(Numeric.away, p.username, 'offline');
  out += reply(Numeric.whoisAccount, p.username, p.username, 'is logged in as');
  out += reply(
    Numeric.whoisIdle,
    p.username,
    String(idle),
    String(Math.floor(p.createdAt / 1000)),
    'seconds idle, member since',
  );
  return out + reply(Numeric.endOfWhois, p.username, 'End of /WHOIS list.');
}

export function list(reply: Reply, render: IrcRender, rooms: readonly ListedRoom[]): string {
  return (
    reply(Numeric.listStart, 'Channel', 'Users  Name') +
    rooms
      .map((r) => reply(Numeric.list, channelOf(r.room.id), String(r.chatters), render.topic(r.room)))
      .join('') +
    reply(Numeric.listEnd, 'End of /LIST')
  );
}
