/** Wire shapes of Lingr API 2.0 (spec section 4). Every key listed is always sent. */

export interface ApiUser {
  username: string;
  name: string;
}

export interface ApiSession {
  status: 'ok';
  session: string;
  public_id: string;
  nickname: string;
  presence: 'online' | 'offline';
  user: ApiUser;
}

export interface ApiMessage {
  id: string;
  local_id: string | null;
  public_session_id: string;
  room: string;
  type: 'user' | 'bot';
  speaker_id: string;
  nickname: string;
  icon_url: string;
  text: string;
  timestamp: string;
  favorite_id?: string;
}

export interface ApiMember {
  username: string;
  name: string;
  icon_url: string;
  is_owner: boolean;
  is_online: boolean;
  pokeable: boolean;
  timestamp: string;
}

export interface ApiBot {
  id: string;
  name: string;
  icon_url: string;
  status: 'online' | 'offline';
}

export interface ApiRoom {
  id: string;
  name: string;
  blurb: string | null;
  is_public: boolean;
  public: boolean;
  faved_message_ids: string[];
  messages: ApiMessage[];
  roster: { members: ApiMember[]; bots: ApiBot[] };
}

export interface ApiPresence {
  room: string;
  public_session_id: string;
  username: string;
  nickname: string;
  icon_url: string;
  timestamp: string;
  status: 'online' | 'offline';
  text: string;
}

export interface ApiMembership extends ApiMember {
  room: string;
  action: 'join' | 'quit' | 'update';
  text: string;
}

export type ApiEvent =
  | { event_id: number; message: ApiMessage }
  | { event_id: number; presence: ApiPresence }
  | { event_id: number; membership: ApiMembership };
