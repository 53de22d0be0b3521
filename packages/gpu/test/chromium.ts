// Debian's Chromium with real WebGL2, WebGL and WebGPU on SwiftShader (no GPU
// needed): one definition for every suite that drives a browser.

/** The Chromium binary the browser suites launch (never a downloaded one). */
export const chromiumPath = process.env.NN_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that give headless Chromium WebGL2, WebGL and WebGPU on SwiftShader. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
];
