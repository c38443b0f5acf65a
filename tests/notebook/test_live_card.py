"""The running card of a long tracked cell in a real kernel: shown, updated, then final."""

from __future__ import annotations

import os
import queue
from typing import Any

import pytest

pytest.importorskip("jupyter_client")


def _env(workspace: Any) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"JUPYTER_MLOPS_URI": workspace.uri, "JUPYTER_MLOPS_ARTIFACTS": workspace.artifacts,
                "JUPYTER_MLOPS_CAPTURE_PACKAGES": "false"})
    env.pop("JUPYTER_MLOPS_NOTEBOOK", None)
    return env


def _execute(client: Any, code: str) -> list[dict[str, Any]]:
    """The iopub messages of one execution, up to the kernel going idle."""
    msg_id = client.execute(code)
    messages = []
    while True:
        try:
            message = client.get_iopub_msg(timeout=60)
        except queue.Empty:  # pragma: no cover - a hung kernel
            raise AssertionError("the kernel did not answer") from None
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(message)
        if (message["msg_type"] == "status"
                and message["content"]["execution_state"] == "idle"):
            return messages


@pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)
def test_a_long_cell_shows_its_running_card_updated_in_place(tracking):
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", env=_env(tracking),
                                       cwd=str(tracking.root))
    try:
        _execute(client, "%load_ext jupyter_mlops")
        messages = _execute(client, (
            "%%mlops_track -n slow --no-autolog\n"
            "import time\nimport jupyter_mlops as mlops\n"
            "for epoch in range(5):\n"
            "    mlops.log_metric('loss', 1.0 / (epoch + 1))\n"
            "    time.sleep(0.7)\n"
            "print('trained')"))
        quick = _execute(client, "%%mlops_track -n quick\nx = 1")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    shown = [m for m in messages if m["msg_type"] == "display_data"]
    updates = [m for m in messages if m["msg_type"] == "update_display_data"]
    assert len(shown) == 1, "one card, shown while running and updated after"
    display_id = shown[0]["content"]["transient"]["display_id"]
    assert "RUNNING" in shown[0]["content"]["data"]["text/plain"]
    assert updates and all(m["content"]["transient"]["display_id"] == display_id
                           for m in updates)
    texts = [m["content"]["data"]["text/plain"] for m in updates]
    running = [t for t in texts if "RUNNING" in t]
    assert running and "loss" in running[-1], "the latest metric value while it runs"
    assert "FINISHED" in texts[-1] and "loss  0.2" in texts[-1]  # the final card, in place
    assert any(m["msg_type"] == "stream" and "trained" in m["content"]["text"]
               for m in messages)
    # A quick cell never shows a running card: its one card comes after it, as before.
    quick_cards = [m for m in quick if m["msg_type"] in ("display_data", "update_display_data")]
    assert len(quick_cards) == 1 and quick_cards[0]["msg_type"] == "display_data"
    assert "FINISHED" in quick_cards[0]["content"]["data"]["text/plain"]
