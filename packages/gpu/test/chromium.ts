// Debian's Chromium with real WebGL2, WebGL and WebGPU on SwiftShader (no GPU
// needed): one definition for every suite that drives a browser.

/** The Chromium binary the browser suites launch (never a downloaded one). */
export const chromiumPath = process.env.NN_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium's flags without a GPU of its own: Chromium's defaults composite the page in software. */
export const chromiumBaseArgs = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Flags that give headless Chromium WebGL2, WebGL and WebGPU on SwiftShader (which then composites the page too). */
export const chromiumArgs = [...chromiumBaseArgs, '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu'];
