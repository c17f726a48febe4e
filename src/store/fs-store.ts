import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  promises as fs,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { checkKey, TooLargeError, type ObjectStore } from './object-store';

/** An object store in a directory: a key is a relative path below the root. */
export class FsObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    checkKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  locate(key: string): string {
    return path.resolve(this.pathOf(key));
  }

  async get(key: string, maxBytes: number): Promise<Buffer | undefined> {
    const file = this.pathOf(key);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return undefined;
      if (stat.size > maxBytes) throw new TooLargeError(key, maxBytes);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    // Small objects are written synchronously: cheaper than three thread-pool round trips.
    const target = this.pathOf(key);
    mkdirSync(path.dirname(target), { recursive: true });
    const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      writeFileSync(temp, body, { mode: 0o600 });
      renameSync(temp, target);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }

  async putFile(key: string, filePath: string): Promise<void> {
    await this.atomically(key, (temp) =>
      pipeline(createReadStream(filePath), createWriteStream(temp, { mode: 0o600 }))
    );
  }

  private async atomically(key: string, write: (temp: string) => Promise<void>): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await write(temp);
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  }
}
