/** Where the Management API lives. */
export const ADMIN = '/v1/admin';

/** A route of the Management API: the admin token guards it. */
export const admin = { auth: 'admin' as const };

/** What the OpenAPI document says guards it. */
export const adminDocs = { security: [{ adminToken: [] }] };
