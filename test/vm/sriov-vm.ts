// Boots ../shared/sriov-vm with the project visible at /host, runs a guest script.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO, SHARED } from '../helpers.js';

const RUN = resolve(SHARED, 'sriov-vm/run');
const CACHE = process.env.SRIOV_VM_CACHE ?? '/var/cache/sriov-vm';

/** Why the VM tests cannot run here, or null when they can. In CI they must run. */
export function vmUnavailable(): string | null {
  const qemu = spawnSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).status === 0;
  if (!existsSync(RUN)) return `no ${RUN}`;
  if (!qemu || !existsSync(join(CACHE, 'ready'))) {
    return 'QEMU or the sriov-vm kernel is not installed: run `sudo ../shared/sriov-vm/setup` once to enable the VM tests';
  }
  if (!existsSync(join(REPO, 'dist/cli/main.js'))) return 'the project is not built: run `npm run build`';
  return null;
}

export interface VmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runVm(args: string[], guestScript: string): VmResult {
  const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-vm-'));
  const script = join(dir, 'main.sh');
  writeFileSync(script, guestScript);
  const r = spawnSync(
    RUN,
    [...args, '--host-root', '--timeout', '600', '--file', join(REPO, 'test/vm/guest-discovery.sh'), script],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
