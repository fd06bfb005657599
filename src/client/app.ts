/**
 * On every page: installs the service worker that keeps Lingr's shell for when the network is gone, and,
 * on the offline page it served, comes back to the real page as soon as the server answers again.
 */

if ('serviceWorker' in navigator)
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    // Without a worker (private windows, old browsers) the pages work as they always did.
  });

// Only where the worker put the offline page in place of another: /offline itself has nothing to go back to.
if (document.querySelector('main.offline') && location.pathname !== '/offline') {
  // "online" only says a network is there, not that the server answers: ask (a HEAD, which the worker
  // leaves to the network) and reload once it does, trying again less and less often until then.
  let wait = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tryAgain = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!navigator.onLine) return;
    fetch(location.href, { method: 'HEAD', cache: 'no-store' }).then(
      () => location.reload(),
      () => {
        timer = setTimeout(tryAgain, wait);
        wait = Math.min(wait * 2, 30_000);
      },
    );
  };
  window.addEventListener('online', () => {
    wait = 1000;
    tryAgain();
  });
  tryAgain();
}

export {};
