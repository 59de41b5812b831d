// Debian's Chromium as the browser tests and benchmarks launch it (playwright-core, no downloaded
// browser): headless, and quiet on this closed network, where its background connections are
// refused. New headless Chromium also opens its own omnibox popup (a WebUI page in a second
// renderer) with every window; on two cores it competed with the page under test.
export const CHROMIUM = '/usr/bin/chromium';

/** playwright-core's launch options: `chromium.launch(CHROMIUM_LAUNCH)` or `launchPersistentContext(dir, {...CHROMIUM_LAUNCH, ...})`. */
export const CHROMIUM_LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-features=WebUIOmniboxPopup',
  ],
};
