# osa-sriov collect --ansible reads this callback's output: one JSON object per line, so that
# progress and the per-host summary do not depend on the wording of Ansible's default output.
from __future__ import annotations

import json
import sys

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: osa_sriov_progress
    type: stdout
    short_description: JSON lines for osa-sriov collect --ansible
    description:
      - One JSON object per line on stdout
      - play (the hosts of the play), collected, failed, unreachable per host, and the stats.
"""

SAVE_TASK = "osa-sriov: save the snapshot"


def _message(result):
    r = result._result
    msg = r.get("msg") or r.get("stderr") or r.get("reason") or ""
    if isinstance(msg, (list, tuple)):
        msg = " ".join(str(m) for m in msg)
    return " ".join(str(msg).split())[:500]


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "osa_sriov_progress"

    def _emit(self, **event):
        sys.stdout.write(json.dumps(event, sort_keys=True) + "\n")
        sys.stdout.flush()

    def v2_playbook_on_play_start(self, play):
        hosts = None
        try:
            # The play's hosts after --limit: what "done of total" counts.
            inventory = play.get_variable_manager()._inventory
            hosts = [h.name for h in inventory.get_hosts(play.hosts)]
        except Exception:  # noqa: BLE001 - an older or newer Ansible: no total, still progress
            hosts = None
        self._emit(event="play", hosts=hosts)

    def v2_runner_on_ok(self, result):
        if result._task.get_name() == SAVE_TASK:
            self._emit(event="collected", host=result._host.get_name())

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if ignore_errors:
            return
        self._emit(
            event="failed",
            host=result._host.get_name(),
            task=result._task.get_name(),
            message=_message(result),
        )

    def v2_runner_on_unreachable(self, result):
        self._emit(event="unreachable", host=result._host.get_name(), message=_message(result))

    def v2_playbook_on_no_hosts_matched(self):
        self._emit(event="no_hosts")

    def v2_playbook_on_stats(self, stats):
        self._emit(event="stats", hosts=sorted(stats.processed.keys()))
