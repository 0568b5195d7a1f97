import { ContainerModule } from 'inversify';
import { INTEGRATION_PLUGIN } from '../contract/index.js';
import { HeapPlugin } from './plugin.js';

/** Binds the Heap plugin as one contribution to `INTEGRATION_PLUGIN`; hosts collect them all. */
export const heapModule = new ContainerModule(({ bind }) => {
  bind(INTEGRATION_PLUGIN).to(HeapPlugin).inSingletonScope();
});
