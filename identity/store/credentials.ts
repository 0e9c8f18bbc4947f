/**
 * EC2-style credentials: an access key and a secret per user and project, for the S3 API.
 * Stored as Keystone stores them — type `ec2`, id = SHA-256 of the access key, the access and
 * secret in the credential blob — with the blob encrypted at rest (secret-box.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db.js';
import type { SecretBox } from '../secret-box.js';

export interface Ec2Credential {
  id: string;
  userId: string;
  projectId: string;
  access: string;
  secret: string;
  trustId: string | null;
}

interface CredentialRow {
  id: string;
  user_id: string;
  project_id: string;
  blob: string;
}

/** Keystone's credential id for an EC2 access key. */
export const ec2CredentialId = (access: string): string =>
  createHash('sha256').update(access).digest('hex');

export class CredentialStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  createEc2(userId: string, projectId: string): Ec2Credential {
    const access = randomBytes(16).toString('hex');
    const secret = randomBytes(16).toString('hex');
    const credential = {
      id: ec2CredentialId(access),
      userId,
      projectId,
      access,
      secret,
      trustId: null,
    };
    const blob = this.box.seal(JSON.stringify({ access, secret, trust_id: null }));
    this.db
      .prepare(
        "INSERT INTO credential (id, user_id, project_id, type, blob) VALUES (?, ?, ?, 'ec2', ?)",
      )
      .run(credential.id, userId, projectId, blob);
    return credential;
  }

  /** The user's EC2 credential with this access key, if any. */
  ec2(userId: string, access: string): Ec2Credential | undefined {
    const row = this.db
      .prepare("SELECT * FROM credential WHERE id = ? AND user_id = ? AND type = 'ec2'")
      .get(ec2CredentialId(access), userId) as CredentialRow | undefined;
    return row && this.decode(row);
  }

  /** The EC2 credential with this access key, whoever owns it (for signature checks). */
  ec2ByAccess(access: string): Ec2Credential | undefined {
    const row = this.db
      .prepare("SELECT * FROM credential WHERE id = ? AND type = 'ec2'")
      .get(ec2CredentialId(access)) as CredentialRow | undefined;
    return row && this.decode(row);
  }

  listEc2(userId: string): Ec2Credential[] {
    const rows = this.db
      .prepare("SELECT * FROM credential WHERE user_id = ? AND type = 'ec2' ORDER BY id")
      .all(userId) as CredentialRow[];
    return rows.map((row) => this.decode(row));
  }

  deleteEc2(userId: string, access: string): boolean {
    return (
      this.db
        .prepare("DELETE FROM credential WHERE id = ? AND user_id = ? AND type = 'ec2'")
        .run(ec2CredentialId(access), userId).changes > 0
    );
  }

  private decode(row: CredentialRow): Ec2Credential {
    const blob = JSON.parse(this.box.open(row.blob)) as {
      access: string;
      secret: string;
      trust_id: string | null;
    };
    return {
      id: row.id,
      userId: row.user_id,
      projectId: row.project_id,
      access: blob.access,
      secret: blob.secret,
      trustId: blob.trust_id ?? null,
    };
  }
}
