// Written by scripts/version.mjs from package.json; do not edit.

/** The version of this copy of @nn/core. */
export const VERSION = '0.0.0';
