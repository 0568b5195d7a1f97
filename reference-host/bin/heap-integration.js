#!/usr/bin/env node
// A committed launcher, so npm links the bin at install even before the first build.
try {
  await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/main.js')) throw error;
  process.stderr.write('error: heap-integration is not built yet: run npm run build (at the repository root) first\n');
  process.exit(2);
}
