/**
 * Heap's limits, as its Server-Side API documents them (docs/heap-api.md keeps the API's facts).
 * The manifest's batching and rate limits declare the same numbers; test/unit/manifest.test.ts keeps
 * them in step.
 */
export const HEAP_LIMITS = {
  /** Items in one bulk track, add_user_properties or add_account_properties request. */
  bulkItems: 1000,
  identityLength: 255,
  /** Event names: at most 1024 characters. */
  eventNameLength: 1024,
  /** Property keys and values: fewer than 1024 characters, so at most 1023. */
  propertyKeyLength: 1023,
  propertyValueLength: 1023,
  /** user_id is an integer in 0 .. 2^53 - 1, sent as a decimal string. */
  maxUserId: 2n ** 53n - 1n,
  /** Users in one user_deletion request. */
  deletionUsers: 10_000,
} as const;

export const HEAP_HOSTS = {
  us: { ingestion: 'https://heapanalytics.com', privacy: 'https://heapanalytics.com' },
  eu: { ingestion: 'https://c.eu.heap-api.com', privacy: 'https://heapanalytics.com' },
} as const;

export const HEAP_PATHS = {
  track: '/api/track',
  addUserProperties: '/api/add_user_properties',
  addAccountProperties: '/api/add_account_properties',
  identify: '/api/v1/identify',
  authToken: '/api/public/v0/auth_token',
  userDeletion: '/api/public/v0/user_deletion',
  /** Followed by the deletion_request_id. */
  deletionStatus: '/api/public/v0/deletion_status/',
} as const;

/** Blueprint `vendor_event_name`s that select a Heap API call instead of naming a track event. */
export const HEAP_CALLS = {
  addUserProperties: 'add_user_properties',
  addAccountProperties: 'add_account_properties',
} as const;
