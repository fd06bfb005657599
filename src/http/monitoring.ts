import { requestAddress, type ClientAddress } from './client-address.js';
import type { Monitor } from '../engine/chat.js';
import { ErrorCode } from '../protocol/errors.js';
import type { MetricsSource } from './metrics.js';
import { sendJson } from './respond.js';
import type { RouteTable } from './routes.js';

export interface MonitoringDeps {
  monitor: Monitor;
  metrics: MetricsSource;
  /** Whether a client address may read /metrics and the details of /healthz. */
  mayMonitor(address: string | undefined): boolean;
  /** The client's address from the peer's and `X-Forwarded-For` (trusted proxies). */
  clientAddress: ClientAddress;
  isClosing(): boolean;
  startedAt: number;
}

/** `/healthz` (status and counter for anyone, details for monitoring) and `/metrics` (Prometheus). */
export function registerMonitoring(routes: RouteTable, deps: MonitoringDeps): void {
  routes.on(['GET', 'HEAD'], '/metrics', async (req, res, target) => {
    if (!deps.mayMonitor(requestAddress(req, deps.clientAddress)))
      return sendJson(res, 403, {
        status: 'error',
        code: ErrorCode.forbidden,
        detail: 'Metrics are served to the addresses --metrics-allow names.',
      });
    // `?per=worker` gives one series per worker process instead of the sums.
    const text = await deps.metrics.text(/(^|&)per=worker(&|$)/.test(target.query));
    res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-cache' });
    res.end(text);
  });
  routes.on(['GET', 'HEAD'], '/healthz', (req, res) => {
    const monitor = deps.monitor.read();
    const closing = deps.isClosing();
    // Anyone may ask whether we are up; how we are doing is for monitoring alone.
    const details = deps.mayMonitor(requestAddress(req, deps.clientAddress)) && {
      sessions: monitor.sessions,
      held_observes: monitor.heldObserves,
      streams: monitor.streams,
      online_users: monitor.onlineUsers,
      // Which process answered: with --workers, each connection may reach another one.
      pid: process.pid,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      memory_mb: Object.fromEntries(
        Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1e5) / 10]),
      ),
    };
    sendJson(res, closing ? 503 : 200, {
      status: closing ? 'closing' : 'ok',
      counter: monitor.counter,
      ...details,
    });
  });
}
