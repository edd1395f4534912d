// Helpers for deployment-model tests: write a config dir, build its model.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadDeployDir } from '../src/osa/load.js';
import { buildModel, type DeploymentModel } from '../src/osa/model.js';
import { parseRelease } from '../src/osa/releases.js';

/** A temporary OSA config dir with these files (objects are written as JSON). */
export function deployDir(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'osa-deploy-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

export function model(dir: string, release = '33'): DeploymentModel {
  return buildModel(loadDeployDir(dir), parseRelease(release)!);
}
