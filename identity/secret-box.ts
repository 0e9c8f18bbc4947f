/**
 * Encryption at rest for credential blobs (EC2 secrets), as Keystone encrypts its credential
 * table with a key kept outside the database: unlike passwords, an EC2 secret must be read
 * back (the S3 API signs with it), so it cannot be hashed. AES-256-GCM with a random nonce per
 * blob; the key is 32 random bytes in a file created (mode 0600) on first use.
 *
 * Stored form: `v1:<nonce b64>:<tag b64>:<ciphertext b64>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** Reads the key file, creating it with a fresh key when it does not exist yet. */
  static open(keyFile: string): SecretBox {
    let text: string;
    try {
      text = readFileSync(keyFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dirname(keyFile), { recursive: true });
      text = randomBytes(32).toString('base64');
      // 'wx': two processes starting at once must not overwrite each other's key.
      try {
        writeFileSync(keyFile, `${text}\n`, { mode: 0o600, flag: 'wx' });
      } catch (writeErr) {
        if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErr;
        text = readFileSync(keyFile, 'utf8');
      }
    }
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== 32) throw new Error(`${keyFile}: expected a base64 32-byte key`);
    return new SecretBox(key);
  }

  seal(plain: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', nonce, tag, data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64')))
      .join(':');
  }

  open(sealed: string): string {
    const [version, nonce, tag, data] = sealed.split(':');
    if (version !== 'v1' || nonce === undefined || tag === undefined || data === undefined) {
      throw new Error('credential blob is not in the v1 format');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }
}
