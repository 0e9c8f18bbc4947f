/**
 * Domains and projects (Keystone's "resource" backend). A project's parent is its domain
 * unless it was created under another project, as in Keystone, where top-level projects carry
 * `parent_id = domain_id`.
 */
import { duplicate, forbidden, notFound } from '../errors.js';
import { newId, parseExtra, type Db } from '../db.js';

export interface Domain {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  extra: Record<string, unknown>;
}

export interface Project {
  id: string;
  name: string;
  domainId: string;
  parentId: string;
  description: string;
  enabled: boolean;
  extra: Record<string, unknown>;
}

interface DomainRow {
  id: string;
  name: string;
  description: string;
  enabled: number;
  extra: string;
}

interface ProjectRow {
  id: string;
  name: string;
  domain_id: string;
  parent_id: string | null;
  description: string;
  enabled: number;
  extra: string;
}

const toDomain = (row: DomainRow): Domain => ({
  id: row.id,
  name: row.name,
  description: row.description,
  enabled: row.enabled === 1,
  extra: parseExtra(row.extra),
});

const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  name: row.name,
  domainId: row.domain_id,
  parentId: row.parent_id ?? row.domain_id,
  description: row.description,
  enabled: row.enabled === 1,
  extra: parseExtra(row.extra),
});

export class DomainStore {
  constructor(private readonly db: Db) {}

  get(id: string): Domain | undefined {
    const row = this.db.prepare('SELECT * FROM domain WHERE id = ?').get(id) as
      DomainRow | undefined;
    return row && toDomain(row);
  }

  require(id: string): Domain {
    const domain = this.get(id);
    if (!domain) throw notFound('domain', id);
    return domain;
  }

  byName(name: string): Domain | undefined {
    const row = this.db.prepare('SELECT * FROM domain WHERE name = ?').get(name) as
      DomainRow | undefined;
    return row && toDomain(row);
  }

  list(): Domain[] {
    return (this.db.prepare('SELECT * FROM domain ORDER BY name').all() as DomainRow[]).map(
      toDomain,
    );
  }

  create(input: Omit<Domain, 'id'> & { id?: string }): Domain {
    const domain = { ...input, id: input.id ?? newId() };
    if (this.byName(domain.name)) throw duplicate('domain', 'name', domain.name);
    if (this.get(domain.id)) throw duplicate('domain', 'ID', domain.id);
    this.db
      .prepare('INSERT INTO domain (id, name, description, enabled, extra) VALUES (?, ?, ?, ?, ?)')
      .run(
        domain.id,
        domain.name,
        domain.description,
        domain.enabled ? 1 : 0,
        JSON.stringify(domain.extra),
      );
    return domain;
  }

  update(id: string, patch: Partial<Omit<Domain, 'id'>>): Domain {
    const domain = { ...this.require(id), ...patch };
    const other = this.byName(domain.name);
    if (other && other.id !== id) throw duplicate('domain', 'name', domain.name);
    this.db
      .prepare('UPDATE domain SET name = ?, description = ?, enabled = ?, extra = ? WHERE id = ?')
      .run(
        domain.name,
        domain.description,
        domain.enabled ? 1 : 0,
        JSON.stringify(domain.extra),
        id,
      );
    return domain;
  }

  /** Keystone refuses to delete an enabled domain; its projects, users and grants go with it. */
  delete(id: string): void {
    const domain = this.require(id);
    if (domain.enabled) {
      throw forbidden('Cannot delete a domain that is enabled, please disable it first.');
    }
    this.db.transaction(() => {
      const projects = this.db.prepare('SELECT id FROM project WHERE domain_id = ?').all(id) as {
        id: string;
      }[];
      const users = this.db.prepare('SELECT id FROM user WHERE domain_id = ?').all(id) as {
        id: string;
      }[];
      for (const target of [...projects.map((p) => p.id), id]) {
        this.db.prepare('DELETE FROM assignment WHERE target_id = ?').run(target);
      }
      for (const user of users) {
        this.db.prepare('DELETE FROM assignment WHERE actor_id = ?').run(user.id);
      }
      this.db
        .prepare(
          'DELETE FROM token WHERE project_id IN (SELECT id FROM project WHERE domain_id = ?)',
        )
        .run(id);
      this.db.prepare('DELETE FROM project WHERE domain_id = ?').run(id);
      this.db.prepare('DELETE FROM user WHERE domain_id = ?').run(id);
      this.db.prepare('DELETE FROM role WHERE domain_id = ?').run(id);
      this.db.prepare('DELETE FROM domain WHERE id = ?').run(id);
    })();
  }
}

export class ProjectStore {
  constructor(private readonly db: Db) {}

  get(id: string): Project | undefined {
    const row = this.db.prepare('SELECT * FROM project WHERE id = ?').get(id) as
      ProjectRow | undefined;
    return row && toProject(row);
  }

  require(id: string): Project {
    const project = this.get(id);
    if (!project) throw notFound('project', id);
    return project;
  }

  byName(name: string, domainId: string): Project | undefined {
    const row = this.db
      .prepare('SELECT * FROM project WHERE name = ? AND domain_id = ?')
      .get(name, domainId) as ProjectRow | undefined;
    return row && toProject(row);
  }

  list(): Project[] {
    return (this.db.prepare('SELECT * FROM project ORDER BY name').all() as ProjectRow[]).map(
      toProject,
    );
  }

  create(input: Omit<Project, 'id'> & { id?: string }): Project {
    const project = { ...input, id: input.id ?? newId() };
    if (this.byName(project.name, project.domainId)) {
      throw duplicate('project', 'name', project.name, project.domainId);
    }
    if (this.get(project.id)) throw duplicate('project', 'ID', project.id);
    this.db
      .prepare(
        'INSERT INTO project (id, name, domain_id, parent_id, description, enabled, extra) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        project.id,
        project.name,
        project.domainId,
        project.parentId === project.domainId ? null : project.parentId,
        project.description,
        project.enabled ? 1 : 0,
        JSON.stringify(project.extra),
      );
    return project;
  }

  update(
    id: string,
    patch: Partial<Pick<Project, 'name' | 'description' | 'enabled' | 'extra'>>,
  ): Project {
    const project = { ...this.require(id), ...patch };
    const other = this.byName(project.name, project.domainId);
    if (other && other.id !== id)
      throw duplicate('project', 'name', project.name, project.domainId);
    this.db
      .prepare('UPDATE project SET name = ?, description = ?, enabled = ?, extra = ? WHERE id = ?')
      .run(
        project.name,
        project.description,
        project.enabled ? 1 : 0,
        JSON.stringify(project.extra),
        id,
      );
    return project;
  }

  hasChildren(id: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM project WHERE parent_id = ? LIMIT 1').get(id) !== undefined
    );
  }

  /** Deletes a leaf project with its role assignments, tokens and credentials. */
  delete(id: string): void {
    this.require(id);
    if (this.hasChildren(id)) {
      throw forbidden(
        `cannot delete the project ${id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`,
      );
    }
    this.db.transaction(() => {
      this.db
        .prepare("DELETE FROM assignment WHERE type = 'UserProject' AND target_id = ?")
        .run(id);
      this.db.prepare('DELETE FROM project WHERE id = ?').run(id);
    })();
  }
}
