/** The multi-injection token: every plugin binds itself here, hosts `getAll` it. */
export const INTEGRATION_PLUGIN = Symbol.for('datafly.IntegrationPlugin');
