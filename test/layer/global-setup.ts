import { buildAndUnpackLayer, LAYER_DIR_ENV } from './layer-fixture';

/** Jest globalSetup (jest.layer.config.js): build and unpack the x86_64 layer once per run. */
export default async function globalSetup(): Promise<void> {
  if (process.env[LAYER_DIR_ENV]) return; // given from outside: use as is
  const { layerDir, built } = await buildAndUnpackLayer();
  process.env[LAYER_DIR_ENV] = layerDir;
  process.env.TIDEPOOL_LAYER_OWNED = '1';
  process.env.TIDEPOOL_LAYER_BUILD_SECONDS = String(built.seconds);
}
