import { LAYER_DIR_ENV, removeLayer } from './layer-fixture';

/** Jest globalTeardown: remove the layer that globalSetup unpacked. */
export default function globalTeardown(): void {
  const dir = process.env[LAYER_DIR_ENV];
  if (dir && process.env.TIDEPOOL_LAYER_OWNED === '1') removeLayer(dir);
}
