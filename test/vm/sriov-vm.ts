// Boots ../shared/sriov-vm with the project visible at /host, runs a guest script.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO, SHARED } from '../helpers.js';

const RUN = resolve(SHARED, 'sriov-vm/run');
const CACHE = process.env.SRIOV_VM_CACHE ?? '/var/cache/sriov-vm';

/** Why the VM tests cannot run here, or null when they can. In CI they must run. */
export function vmUnavailable(): string | null {
  const qemu = spawnSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).status === 0;
  if (!existsSync(RUN))
    return `no ${RUN}: the VM tests need the shared material beside the repository (../shared/sriov-vm); put it there, then run \`sudo ../shared/sriov-vm/setup\` once to enable them`;
  if (!qemu || !existsSync(join(CACHE, 'ready'))) {
    return 'QEMU or the sriov-vm kernel is not installed: run `sudo ../shared/sriov-vm/setup` once to enable the VM tests';
  }
  if (!existsSync(join(REPO, 'dist/cli/main.js'))) return 'the project is not built: run `npm run build`';
  return null;
}

/**
 * The project's path as the guest sees it under /host. The guest mounts its own tmpfs on
 * /tmp and /run, hiding a clone there; then the runtime parts are staged under /var/tmp.
 */
export function guestRepo(): string {
  if (!/^\/(tmp|run|dev|proc|sys)(\/|$)/.test(REPO)) return REPO;
  const stage = mkdtempSync('/var/tmp/osa-sriov-vm-');
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const deps = Object.keys(pkg.dependencies ?? {}).map((d) => `node_modules/${d}`);
  for (const part of ['package.json', 'bin', 'dist', 'src/facts/collect.sh', ...deps]) {
    mkdirSync(join(stage, part, '..'), { recursive: true });
    cpSync(join(REPO, part), join(stage, part), { recursive: true, dereference: true });
  }
  return stage;
}

export interface VmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface VmOptions {
  /**
   * Two NUMA nodes, the second NIC behind a pxb-pcie bus on node 1: `run` has no option for it,
   * so QEMU is started through the PATH shim test/vm/numa-qemu (its header says what it changes).
   */
  numa?: boolean;
}

export function runVm(args: string[], guestScript: string, opts: VmOptions = {}): VmResult {
  const dir = mkdtempSync(join(tmpdir(), 'osa-sriov-vm-'));
  const script = join(dir, 'main.sh');
  writeFileSync(script, guestScript);
  const qemuLog = join(dir, 'qemu-line.txt');
  const env = opts.numa
    ? {
        ...process.env,
        PATH: `${join(REPO, 'test/vm/numa-qemu')}:${process.env.PATH ?? ''}`,
        OSA_SRIOV_NUMA_QEMU_LOG: qemuLog,
      }
    : process.env;
  const boot = () =>
    spawnSync(
      RUN,
      [
        ...args,
        '--host-root',
        '--timeout',
        '600',
        '--file',
        join(REPO, 'test/vm/guest-discovery.sh'),
        '--file',
        join(REPO, 'test/vm/guest-numa.sh'),
        script,
      ],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env,
      },
    );
  let r = boot();
  // QEMU itself aborting in the firmware (SIGABRT, seen once under heavy load in CI) says
  // nothing about the guest: boot once more, and only then report.
  if (r.status !== 0 && /qemu exit 134/.test(r.stderr)) {
    process.stderr.write('sriov-vm: QEMU aborted before the guest ran; booting again\n');
    r = boot();
  }
  // The shim's QEMU line (or why it refused one) explains a failed NUMA boot.
  const stderr =
    opts.numa && existsSync(qemuLog) ? `${r.stderr}\n${readFileSync(qemuLog, 'utf8')}` : r.stderr;
  return { status: r.status, stdout: r.stdout, stderr };
}
