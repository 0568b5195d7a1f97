import { readFileSync } from 'node:fs';

/** The reference host's version, read from its package.json (its one source): the host, the OpenAPI document and the command line all say this. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
