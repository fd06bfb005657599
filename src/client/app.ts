/**
 * On every page: installs the service worker that keeps Lingr's shell for when the network is gone, and,
 * on the offline page it served, comes back to the real page as soon as the browser is online again.
 */

if ('serviceWorker' in navigator)
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    // Without a worker (private windows, old browsers) the pages work as they always did.
  });

if (document.querySelector('main.offline')) window.addEventListener('online', () => location.reload());

export {};
