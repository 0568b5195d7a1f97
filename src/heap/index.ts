export { heapModule } from './module.js';
export { HeapPlugin } from './plugin.js';
export { HeapConfigSchema, type HeapConfig, type HeapConfigInput } from './config.js';
export { HeapBlueprintOptionsSchema, type HeapBlueprintOptions } from './blueprint-options.js';
export { anonymousUserId } from './identity.js';
export { HEAP_LIMITS, HEAP_HOSTS, HEAP_PATHS } from './constants.js';
