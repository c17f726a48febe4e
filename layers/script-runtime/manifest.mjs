// @ts-check
// dist/layers/script-runtime-<arch>.json: what the zip holds and where each part came from
// (docs/layer.md, "The manifest").
import process from 'node:process';
import { ARCHES } from './common.mjs';

/**
 * @param {object} parts
 * @param {import('./common.mjs').Arch} parts.arch
 * @param {import('./common.mjs').Inputs} parts.inputs
 * @param {{ sha256: string, bytes: number, entries: number, unzippedBytes: number }} parts.zip
 * @param {string} parts.zipName
 * @param {import('./common.mjs').PwshTree} parts.pwsh
 * @param {{ removed: string[], removedBytes: number }} parts.trimmed
 * @param {import('./common.mjs').Source} parts.bashSrc
 * @param {import('./common.mjs').Source} parts.bbSrc
 * @param {import('./inventory.mjs').Inventory} parts.inventory
 */
export function manifestOf({
  arch,
  inputs,
  zip,
  zipName,
  pwsh,
  trimmed,
  bashSrc,
  bbSrc,
  inventory,
}) {
  const a = ARCHES[arch];
  const deb = inputs.debian;
  const { files, maxGlibcSeen, fileOf } = inventory;
  return {
    name: 'script-runtime',
    arch,
    elfMachine: a.elf,
    zip: { file: zipName, sha256: zip.sha256, bytes: zip.bytes, entries: zip.entries },
    unzippedBytes: zip.unzippedBytes,
    budget: {
      lambdaUnzippedLimitBytes: inputs.limits.lambdaUnzippedBytes,
      layerUnzippedBytes: zip.unzippedBytes,
      leftForFunctionAndOtherLayersBytes: inputs.limits.lambdaUnzippedBytes - zip.unzippedBytes,
    },
    glibc: { max: inputs.limits.glibcMax, maxRequired: maxGlibcSeen },
    pwsh: {
      version: inputs.powershell.version,
      route: pwsh.route,
      description: pwsh.description,
      dotnetRuntime: pwsh.runtimeVersion,
      readyToRun: pwsh.readyToRun,
      sources: pwsh.sources,
      trimmed: { paths: trimmed.removed.length, bytes: trimmed.removedBytes },
    },
    bash: { version: deb['bash-static'].version, source: bashSrc },
    busybox: {
      version: deb['busybox-static'].version,
      applets: deb['busybox-static'].applets,
      source: bbSrc,
    },
    binaries: [
      {
        path: 'bin/pwsh',
        target: 'powershell/pwsh',
        sha256: fileOf('powershell/pwsh').sha256,
        from: pwsh.sources.map((s) => s.file),
      },
      {
        path: 'bin/bash',
        sha256: fileOf('bin/bash').sha256,
        from: [bashSrc.file],
        member: 'bin/bash-static',
      },
      ...deb['busybox-static'].applets.map((ap) => ({
        path: `bin/${ap}`,
        target: 'libexec/busybox',
        sha256: fileOf('libexec/busybox').sha256,
        from: [bbSrc.file],
        member: 'bin/busybox',
      })),
    ],
    build: { node: process.versions.node, zlib: process.versions.zlib, zipLevel: 9 },
    files,
  };
}
