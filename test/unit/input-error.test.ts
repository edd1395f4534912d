// One error type (issue 15 §5): the library's input errors are InputErrors with a code, a
// location and a hint; the CLI reports them once, in the what/where/fix form, exit 2, and as
// JSON on stdout when JSON output was asked for.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { selectRules, UnknownRuleError } from '../../src/checks/run.js';
import { UserError } from '../../src/cli/errors.js';
import { CloudError } from '../../src/cloud/http.js';
import { InputError } from '../../src/errors.js';
import { FactsInputError, readHostFacts } from '../../src/facts/load.js';
import { CollectorError } from '../../src/facts/run-collector.js';
import { SnapshotError } from '../../src/facts/snapshot.js';
import { DeployLoadError, loadDeployDir } from '../../src/osa/load.js';
import { parseYaml, YamlError } from '../../src/osa/pyyaml.js';
import { WriteError } from '../../src/plan/apply.js';
import { HostSetupError } from '../../src/plan/host-setup.js';
import { IntentError, parseIntent } from '../../src/plan/intent.js';
import { YamlEditError } from '../../src/plan/yaml-edit.js';
import { assertUserError, cli } from '../cli-helpers.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

describe('InputError: one type for what/where/fix/code', () => {
  test('every input error class of the library is an InputError with a code and a hint', () => {
    const errors: Array<[unknown, string]> = [
      [thrown(() => parseYaml('a: [1\n', 'x.yml')), 'yaml-syntax'],
      [thrown(() => loadDeployDir('/nonexistent/deploy')), 'deploy-invalid'],
      [thrown(() => parseIntent('osaRelease: [\n', 'intent.yml')), 'intent-invalid'],
      [thrown(() => readHostFacts(Buffer.from('{"x": 1}'), 'f.json')), 'facts-invalid'],
      [thrown(() => readHostFacts(Buffer.from('hello\n'), 'f.snapshot')), 'snapshot-invalid'],
      [thrown(() => selectRules(['NO-SUCH-RULE'])), 'unknown-rule'],
      [new WriteError('EPERM', '/etc/openstack_deploy/user_variables.yml'), 'plan-write-failed'],
      [new HostSetupError('bad name'), 'host-setup-invalid'],
      [new YamlEditError('not a mapping'), 'yaml-edit-failed'],
      [new CollectorError('no /bin/sh'), 'collector-failed'],
      [new CloudError('refused', 'check OS_AUTH_URL'), 'cloud-failed'],
      [new UserError('bad flag', null, 'see --help'), 'usage'],
    ];
    for (const [e, code] of errors) {
      assert.ok(e instanceof InputError, String(e));
      assert.equal(e.code, code, e.message);
      assert.ok(e.hint && e.hint.length > 0, `${code} has a fix`);
      assert.deepEqual(JSON.parse(JSON.stringify(e)), {
        code,
        message: e.message,
        location: e.location,
        hint: e.hint,
      });
    }
    const classes = [
      YamlError,
      DeployLoadError,
      IntentError,
      FactsInputError,
      SnapshotError,
      UnknownRuleError,
      WriteError,
      HostSetupError,
      YamlEditError,
      CollectorError,
      CloudError,
      UserError,
    ];
    for (const C of classes) assert.ok(C.prototype instanceof InputError, C.name);
  });

  test('a buffer parser gives the line; the reader names the file', () => {
    const e = thrown(() => readHostFacts(Buffer.from('osa-sriov-snapshot 1\nvalue a x\n'), 'h.snapshot'));
    assert.ok(e instanceof SnapshotError);
    assert.equal(e.location?.file, 'h.snapshot');
    assert.equal(e.location?.line, e.line);
    assert.ok((e.line ?? 0) >= 2);
    assert.equal(e.where, `h.snapshot:${e.line}:1`);
  });

  test('the CLI edge: what/where/fix on stderr, exit 2, and the code as JSON with --format json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osa-input-error-'));
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'openstack_user_config.yml'), 'compute_hosts:\n  c1: [\n');
    const r = cli('check', dir, '--format', 'json');
    assertUserError(r, /^osa-sriov: error: \S+openstack_user_config\.yml:3:1: .+\n {2}fix: /);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.schema, 'osa-sriov/error@1');
    assert.equal(doc.error.code, 'yaml-syntax');
    assert.deepEqual(doc.error.location, {
      file: join(dir, 'openstack_user_config.yml'),
      line: 3,
      column: 1,
    });
    assert.match(doc.error.hint, /PyYAML/);
    // Text output: nothing on stdout.
    const text = cli('check', dir);
    assertUserError(text, /openstack_user_config\.yml:3:1/);
    assert.equal(text.stdout, '');
    // A file that does not exist: the file is the location.
    const missing = cli('probe', '--from', join(dir, 'nope.snapshot'), '--json');
    assertUserError(missing, /nope\.snapshot: cannot read the snapshot: no such file/);
    assert.equal(JSON.parse(missing.stdout).error.code, 'file-unreadable');
    assert.ok(readFileSync(join(dir, 'openstack_user_config.yml')));
  });
});
