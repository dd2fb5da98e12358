import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PipelineDocument, type PipelineInput } from '../spec/document';
import { WeirError } from '../spec/errors';

export interface PipelineMeta {
  id: string;
  name: string;
  latest: number;
  /** Whether the pipeline should be running: restored on server start. */
  deployed: boolean;
  deployedVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Saved pipelines as plain JSON files, one per version (diff-friendly, easy to back up):
 *   <dataDir>/pipelines/<id>/meta.json, v1.json, v2.json, …
 * Every write goes to a temp file first and is renamed into place, so a crash never leaves half a file.
 */
export class PipelineRepo {
  constructor(private readonly dataDir: string) {}

  private dir(id: string) {
    return path.join(this.dataDir, 'pipelines', id);
  }

  async list(): Promise<PipelineMeta[]> {
    const root = path.join(this.dataDir, 'pipelines');
    const ids = await readdir(root).catch(() => [] as string[]);
    const metas = await Promise.all(ids.map((id) => this.meta(id).catch(() => null)));
    return metas.filter((m): m is PipelineMeta => m !== null).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async meta(id: string): Promise<PipelineMeta> {
    try {
      return JSON.parse(await readFile(path.join(this.dir(id), 'meta.json'), 'utf8'));
    } catch {
      throw new WeirError('pipeline_not_found', `No pipeline with id "${id}". List pipelines with GET /api/pipelines.`, { status: 404 });
    }
  }

  async get(id: string, version?: number): Promise<PipelineDocument> {
    const meta = await this.meta(id);
    const v = version ?? meta.latest;
    try {
      return PipelineDocument.parse(JSON.parse(await readFile(path.join(this.dir(id), `v${v}.json`), 'utf8')));
    } catch {
      throw new WeirError('version_not_found', `Pipeline "${id}" has no version ${v}; it has versions 1 to ${meta.latest}.`, { status: 404 });
    }
  }

  async versions(id: string): Promise<{ version: number }[]> {
    const meta = await this.meta(id);
    return Array.from({ length: meta.latest }, (_, i) => ({ version: i + 1 }));
  }

  async create(input: PipelineInput): Promise<PipelineDocument> {
    const id = input.id ?? (await this.freeId(input.name));
    const exists = await this.meta(id).then(() => true, () => false);
    if (exists) throw new WeirError('pipeline_exists', `A pipeline with id "${id}" already exists; choose another id or PUT to /api/pipelines/${id}.`, { status: 409 });
    const now = new Date().toISOString();
    const doc = PipelineDocument.parse({ ...input, id, version: 1 });
    await mkdir(this.dir(id), { recursive: true });
    await this.write(path.join(this.dir(id), 'v1.json'), doc);
    await this.write(path.join(this.dir(id), 'meta.json'), { id, name: doc.name, latest: 1, deployed: false, deployedVersion: null, createdAt: now, updatedAt: now } satisfies PipelineMeta);
    return doc;
  }

  async update(id: string, input: PipelineInput): Promise<PipelineDocument> {
    const meta = await this.meta(id);
    const doc = PipelineDocument.parse({ ...input, id, version: meta.latest + 1 });
    await this.write(path.join(this.dir(id), `v${doc.version}.json`), doc);
    await this.write(path.join(this.dir(id), 'meta.json'), { ...meta, name: doc.name, latest: doc.version, updatedAt: new Date().toISOString() });
    return doc;
  }

  async setDeployed(id: string, deployed: boolean, version: number | null): Promise<void> {
    const meta = await this.meta(id);
    await this.write(path.join(this.dir(id), 'meta.json'), { ...meta, deployed, deployedVersion: version });
  }

  async remove(id: string): Promise<void> {
    await this.meta(id);
    await rm(this.dir(id), { recursive: true, force: true });
  }

  private async freeId(name: string): Promise<string> {
    const base = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'pipeline';
    const taken = new Set((await this.list()).map((m) => m.id));
    for (let i = 1; ; i++) {
      const id = i === 1 ? base : `${base}-${i}`;
      if (!taken.has(id)) return id;
    }
  }

  private async write(file: string, value: unknown) {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(value, null, 2));
    await rename(tmp, file);
  }
}
