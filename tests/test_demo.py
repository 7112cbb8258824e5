"""`coach demo --headless`: the whole live path (embedded broker, `coach serve`,
/stream client, MQTT subscriber) on the bundled sample call, with real
transcription, printing the nudges as they arrive over MQTT."""

from __future__ import annotations

import subprocess
import sys

from egress.mosquitto import free_port


def test_headless_demo_prints_live_nudges_and_saves_the_report(tmp_path):
    config = tmp_path / "demo.toml"
    config.write_text(
        f'[server]\nport = {free_port()}\nreports_dir = "{tmp_path / "reports"}"\n'
        f'[mqtt]\nembedded_tcp_port = {free_port()}\nembedded_ws_port = {free_port()}\n'
        f'[demo]\nwork_dir = "{tmp_path / "demo"}"\nlead_in_s = 0.5\ndrain_s = 2.0\n'
    )
    proc = subprocess.run([sys.executable, "-m", "service.cli", "demo", "--headless", "--speed", "4",
                           "--config", str(config)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "agent display: http://127.0.0.1:" in out and "/display?agent=demo-agent" in out
    printed = [line.split()[3] for line in out.splitlines() if line.strip() and line.split()[1:2] == ["s"]]
    # the sample call is written to show each of these once (config/demo_call.yaml)
    for kind in ("robotic_opening", "interruption", "policy_before_empathy", "dead_air", "empathy"):
        assert kind in printed, out
    assert (tmp_path / "reports" / "demo-call.coach.json").exists()
