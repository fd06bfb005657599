import { encodeBus, type ToPrimary, type ToWorker } from './cluster-protocol.js';
import { PresenceLedger } from './presence-ledger.js';

/** A worker as the relay knows it: a stable id, and a way to send it a message. */
export interface RelayMember {
  readonly id: number;
  send(message: ToWorker): void;
}

/**
 * The primary's part of the cluster bus: what one worker publishes goes to every other, in the order it
 * came (a JSON string passed on without decoding), and the presence ledger answers whether a user's
 * change is the one that turns them on or off anywhere, telling the others when it is.
 */
export class ClusterRelay {
  private readonly ledger = new PresenceLedger();

  constructor(private readonly members: () => Iterable<RelayMember>) {}

  /** Handles bus and presence messages; false for anything else (metrics, readiness). */
  receive(from: RelayMember, m: ToPrimary): boolean {
    switch (m.lingr) {
      case 'bus':
        this.others(from, m);
        return true;
      case 'presence': {
        const changed = this.ledger.set(m.userId, from.id, m.online);
        if (changed)
          this.others(from, {
            lingr: 'bus',
            messages: encodeBus([{ kind: 'online', userId: m.userId, online: m.online }]),
          });
        from.send({ lingr: 'reply', id: m.id, value: changed });
        return true;
      }
      default:
        return false;
    }
  }

  /** A worker went away: it holds nobody online any more (its successor restores its sessions). */
  gone(member: RelayMember): void {
    this.ledger.drop(member.id);
  }

  private others(from: RelayMember, m: ToWorker): void {
    for (const w of this.members()) if (w.id !== from.id) w.send(m);
  }
}
