import type { ToPrimary, ToWorker } from '../../src/bus/cluster-protocol.js';
import { ClusterRelay, type RelayMember } from '../../src/bus/cluster-relay.js';
import { WorkerBus } from '../../src/bus/cluster-worker-bus.js';
import { LocalBus } from '../../src/bus/local-bus.js';
import { busContract } from './bus.contract.js';

busContract('in-process (one process)', async () => ({
  buses: [new LocalBus()],
  close: async () => undefined,
}));

/**
 * The cluster bus, three workers and the primary's relay in one process: messages cross as IPC would carry
 * them (structured clone, a later turn), through the same relay code the primary runs.
 */
busContract('cluster IPC through the primary (three workers)', async () => {
  const workers: Array<{ bus: WorkerBus; member: RelayMember }> = [];
  const relay = new ClusterRelay(() => workers.map((w) => w.member));
  for (let id = 1; id <= 3; id++) {
    const toPrimary = (m: ToPrimary) => setImmediate(() => relay.receive(member, structuredClone(m)));
    const bus = new WorkerBus(toPrimary);
    const member: RelayMember = {
      id,
      send: (m: ToWorker) => setImmediate(() => bus.receive(structuredClone(m))),
    };
    workers.push({ bus, member });
  }
  return { buses: workers.map((w) => w.bus), close: async () => undefined };
});
