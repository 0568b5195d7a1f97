import type { FastifyInstance } from 'fastify';
import { StartupError } from './errors.js';
import { createApp } from './http/app.js';
import type { RouteDeps } from './http/routes/deps.js';
import { registerRoutes } from './http/routes/index.js';
import type { HostSettings } from './options.js';
import type { HostServices } from './services.js';

/** The HTTP app with every route, listening on the port and address of the settings; answers its URL. */
export async function listen(services: HostServices, settings: HostSettings): Promise<{ app: FastifyInstance; url: string }> {
  const app = await createApp({
    tokens: { admin: services.tokens.admin.value, pipeline: services.tokens.pipeline.value },
    maxBodyBytes: settings.maxBodyBytes,
    maxConcurrentBodies: settings.maxConcurrentBodies,
    bodyTimeoutMs: settings.bodyTimeoutMs,
    logger: settings.logger,
    version: settings.version,
  });
  registerRoutes(app, routeDeps(services, settings));
  return { app, url: await bind(app, settings.port, settings.host) };
}

function routeDeps(services: HostServices, settings: HostSettings): RouteDeps {
  const { registry, store, box, installer, editor, metrics, testConnection, checkCredentials, adapterFor, live, ingestion } = services;
  return {
    registry,
    store,
    box,
    installer,
    editor,
    metrics,
    testConnection,
    checkCredentials,
    adapterFor,
    live,
    ingestion,
    deletions: services.userDeletions,
    wake: (ids) => services.delivery.notify(ids),
    maxBatchEvents: settings.maxBatchEvents,
    clock: settings.clock,
    instance: { id: settings.instanceId, engine: settings.store.engine, version: settings.version, startedAt: services.startedAt },
    settings: {
      logRetentionDays: settings.logRetentionDays,
      retryScheduleMs: settings.retry.scheduleMs,
      retryWindowMs: settings.retry.waitLimitMs,
      leaseMs: settings.leaseMs,
      rateLimits: settings.rateLimits,
      rateLimitScale: settings.rateLimitScale,
      deliveryThread: settings.deliveryThread !== undefined,
    },
  };
}

/** Listens, or says in one line why it cannot (the port is taken, needs privileges, the address is not this machine's). */
async function bind(app: FastifyInstance, port: number, host: string): Promise<string> {
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close().catch(() => undefined);
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new StartupError(`PORT=${port}: the port is already in use on ${host}: stop what listens there or set PORT to a free port`);
    if (code === 'EACCES') throw new StartupError(`Port ${port} on ${host} needs privileges this user lacks: set PORT above 1023`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new StartupError(`HOST=${host} is not an address of this machine`);
    throw error;
  }
  const address = app.server.address();
  return typeof address === 'object' && address ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : `http://${host}:${port}`;
}
