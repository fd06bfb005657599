/**
 * The refusals a person can meet in the pages, in English: each is a key with `{name}` slots for its values.
 * The APIs' `detail` is this text filled in (so it reads exactly as before), and the pages translate the
 * key (web/i18n) so that nobody reads English in a Japanese page.
 */
export const ERROR_TEXT = {
  usernameFormat: 'username must be 1 to 40 letters, digits or underscores.',
  roomIdFormat: 'room id must be 1 to 40 letters, digits or underscores.',
  botIdFormat: 'bot id must be 1 to 40 letters, digits or underscores.',
  usernameReserved: '"{username}" is reserved.',
  passwordLength: 'password must be {min} to {max} characters.',
  emailEmpty: 'email must not be empty.',
  emailTooLong: 'email must be at most {max} characters.',
  emailSpaces: 'email must not contain spaces or control characters.',
  emailOneAt: 'email must contain exactly one "@", as in name@example.com.',
  emailNoName: 'email needs a name before the "@", as in name@example.com.',
  emailNoDomain: 'email needs a domain with a dot after the "@", as in name@example.com.',
  emailTaken: 'That email address is already in use.',
  iconType: 'The icon must be a PNG, JPEG, GIF or WebP image.',
  iconTooLarge: 'The icon must be at most 256 KB.',
  timezoneUnknown: 'Unknown timezone "{timezone}"; use an IANA name such as Asia/Tokyo.',
  tooManyTags: 'A room has at most {max} tags.',
  tagFormat: 'Tag "{tag}" must be 1 to 40 letters, digits or _.+#-.',
  roomNameLength: 'room name must be 1 to {max} characters.',
  blurbTooLong: 'blurb is longer than {max} characters.',
  textEmpty: 'text is empty.',
  textTooLong: 'text is longer than {max} characters.',
  textControl: 'text contains control characters.',
  nicknameEmpty: 'nickname is empty.',
  nicknameTooLong: 'nickname is longer than {max} characters.',
  nicknameControl: 'nickname contains control characters.',
  nameOfRegisteredUser:
    '“{name}” is the name of a registered user; choose another nickname, or sign in if it is yours.',
  wrongCredentials: 'The username or password is wrong.',
  sessionInvalid: 'The session is missing, unknown, expired or destroyed.',
  tooManyGuests: 'Too many guests from your address; try again later.',
  guestsHaveNoEmail: 'Guests have no email; sign up for an account.',
  tooManyCalls: 'Too many calls; slow down.',
  tooManyMessages: 'Too many messages; wait a moment before saying more.',
  tooManyCallsFromAddress: 'Too many calls from your address; slow down.',
  tooManySignIns: 'Too many sign-ins from your address; wait a minute before trying again.',
  tooManyFailedSignIns: 'Too many failed sign-ins; wait a few minutes before trying again.',
  serverBusy: 'The server is busy signing people in; try again in a few seconds.',
  userExists: 'User "{username}" already exists.',
  roomExists: 'Room "{room}" already exists.',
  noRoom: 'No room "{room}".',
  noUser: 'No user "{username}".',
  noMessage: 'No message {message}.',
  membersOnly: 'Only members of "{room}" may say things there.',
  guestsCreateNoRooms:
    'Sign up to create rooms. Guests can talk in public rooms, but a room needs an owner with an account.',
  invitationGone: 'This invitation link does not work (any more): ask the room’s owner for a new one.',
  ownerOnlyChange: 'Only the owner may change "{room}".',
  ownerOnlyDelete: 'Only the owner may delete "{room}".',
  roomPrivate: '"{room}" is private.',
  ownerOnlyMembers: 'Only the owner of “{roomName}” may manage its members.',
  noUserToInvite: 'There is no user “{username}”. Invite people by their username, not their display name.',
  notAMember: '“{username}” is not a member of “{roomName}”.',
  ownerStays: 'The owner cannot be removed from their own room.',
  invitationNeedsAccount: 'Sign in or sign up to accept an invitation.',
  botExists: 'There is a bot "{bot}" already.',
  botIdTaken: 'The bot id "{bot}" is already taken (bot ids are unique whatever their case).',
  noBot: 'No bot "{bot}".',
  botOwnerOnly: 'Only the owner of {bot} may change it.',
  botRoomOwnerOnly: 'Only the owner of "{room}" may add bots to it.',
  botRemoveOwnerOnly: 'Only the owner of "{room}" or of the bot may take {bot} out of it.',
  botNameEmpty: 'The bot’s name is empty.',
  botNameTooLong: 'The bot’s name is longer than {max} characters.',
  botNameControl: 'The bot’s name contains control characters.',
  callbackEmpty: 'The callback URL is empty.',
  callbackTooLong: 'The callback URL is longer than {max} characters.',
  callbackNotAbsolute: 'The callback URL is not an absolute URL (like https://bot.example/lingr).',
  callbackScheme: 'The callback URL must use http or https, not {scheme}.',
  callbackCredentials:
    'The callback URL must not carry a user name or password; put a token in the path or query instead.',
  callbackNoHost: 'The callback URL has no host.',
  callbackNotPublic: 'The callback URL is refused: {host} is not a public address.',
  bodyTooLarge: 'The request body is larger than {limit} bytes.',
  bodyCutShort: 'The request body was cut short.',
  multipartNoBoundary: 'The multipart body is malformed (missing boundary?).',
  multipartNoName: 'A multipart field has no name.',
  multipartMalformed: 'The multipart body is malformed.',
  languageUnknown: 'Unknown language "{language}"; choose en or ja.',
  confirmFirst: 'Tick the box to confirm.',
  chooseRoom: 'Choose a room.',
} as const;

export type ErrorKey = keyof typeof ERROR_TEXT;
export type PhraseValues = Readonly<Record<string, string | number>>;

/** A refusal in words any language can say: the key of its sentence and the values that fill it. */
export interface Phrase {
  key: ErrorKey;
  values: PhraseValues;
}

export const phrase = (key: ErrorKey, values: PhraseValues = {}): Phrase => ({ key, values });

/** `template` with each `{name}` replaced by its value; a slot without a value stays as it is. */
export function fillText(template: string, values: PhraseValues): string {
  return template.replace(/\{(\w+)\}/g, (slot, name: string) =>
    name in values ? String(values[name]) : slot,
  );
}

/** The English sentence of a phrase, as the APIs give it in `detail`. */
export const phraseText = (p: Phrase): string => fillText(ERROR_TEXT[p.key], p.values);
