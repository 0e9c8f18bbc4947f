/** Everything the identity API works on: the stores over one database, and the settings. */
import type { Db } from './db.js';
import type { SecretBox } from './secret-box.js';
import { AssignmentStore } from './store/assignments.js';
import { CatalogStore } from './store/catalog.js';
import { CredentialStore } from './store/credentials.js';
import { DomainStore, ProjectStore } from './store/resources.js';
import { RoleStore } from './store/roles.js';
import { TokenStore } from './store/tokens.js';
import { UserStore } from './store/users.js';

export interface BackendSettings {
  /** Seconds a new token lives. */
  tokenExpiration: number;
  defaultDomainId: string;
  /** scrypt cost (N) for new password hashes. */
  passwordHashCost: number;
}

export class Backend {
  readonly domains: DomainStore;
  readonly projects: ProjectStore;
  readonly users: UserStore;
  readonly roles: RoleStore;
  readonly assignments: AssignmentStore;
  readonly catalog: CatalogStore;
  readonly credentials: CredentialStore;
  readonly tokens: TokenStore;

  constructor(
    readonly db: Db,
    box: SecretBox,
    readonly settings: BackendSettings,
  ) {
    this.domains = new DomainStore(db);
    this.projects = new ProjectStore(db);
    this.users = new UserStore(db);
    this.roles = new RoleStore(db);
    this.assignments = new AssignmentStore(db);
    this.catalog = new CatalogStore(db);
    this.credentials = new CredentialStore(db, box);
    this.tokens = new TokenStore(db);
  }
}
