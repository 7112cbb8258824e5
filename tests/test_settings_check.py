"""Every setting is checked once, at start-up, by every command (service.settings).

A bad value in any section stops `coach serve`, `coach replay`, `coach eval`
and `coach demo` with exit status 2 and one line on stderr naming the file
that set it, the ``[section] key`` and why, before anything listens or runs.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from egress.mosquitto import free_port
from service.config import COMMAND_LINE, ConfigError, merge, read_config
from service.core import SessionSettings
from service.settings import check_config, load_checked_config

# One bad value per section: a string for a number, a negative window, an
# unknown severity, a bad MQTT port, values outside their range or choices.
BAD = [
    ("[audio]\nagent_channel = 'centre'", "[audio] agent_channel"),
    ("[vad]\nframe_ms = 25", "[vad] frame_ms"),
    ("[dynamics]\ndead_air_s = -8.0", "[dynamics] dead_air_s"),
    ("[nudges]\ndead_air_severity = 'urgent'", "[nudges] dead_air_severity"),
    ("[nudges.cooldown_s]\ninterruption = 'soon'", "[nudges.cooldown_s] interruption"),
    ("[replay]\nchunk_s = 0", "[replay] chunk_s"),
    ("[utterances]\nmin_utterance_s = -0.25", "[utterances] min_utterance_s"),
    ("[live]\nstate_every_s = 'often'", "[live] state_every_s"),
    ("[demo]\nlead_in_s = -1", "[demo] lead_in_s"),
    ("[asr]\nbeam_size = 0", "[asr] beam_size"),
    ("[asr.guards]\nno_speech_threshold = 1.5", "[asr.guards] no_speech_threshold"),
    ("[asr.language]\nagreeing_utterances = 0", "[asr.language] agreeing_utterances"),
    ("[asr.scheduler]\nmax_queue = 'many'", "[asr.scheduler] max_queue"),
    ("[asr.fake]\nseconds_per_word = 0", "[asr.fake] seconds_per_word"),
    ("[coaching]\nnegation_window_words = -1", "[coaching] negation_window_words"),
    ("[coaching.severity]\nblame = 'severe'", "[coaching.severity] blame"),
    ("[evaluation]\nmin_precision = 1.5", "[evaluation] min_precision"),
    ("[mqtt]\nembedded_tcp_port = 70000", "[mqtt] embedded_tcp_port"),
    ("[reports]\ntimeline_max_ticks = 0", "[reports] timeline_max_ticks"),
    ("[server]\nmax_calls = 0", "[server] max_calls"),
]
SECTIONS = [key.split("]")[0].strip("[") for _, key in BAD]
# Every command and what it needs besides --config (inputs that are never reached).
COMMANDS = {"serve": [], "replay": ["call.wav"], "eval": ["cases"], "demo": ["--prepare"]}


def coach(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def the_line(proc: subprocess.CompletedProcess) -> str:
    """stderr, which must be exactly one line."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "key"), BAD, ids=SECTIONS)
@pytest.mark.parametrize("command", ["serve", "replay"])
def test_a_bad_value_in_any_section_stops_the_command_with_one_line(tmp_path, command, text, key):
    config = write(tmp_path, text)
    proc = coach(command, "--config", str(config), *COMMANDS[command], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    line = the_line(proc)
    assert f"{config}: {key}: " in line


@pytest.mark.parametrize("command", ["eval", "demo"])
def test_eval_and_demo_check_at_start_too(tmp_path, command):
    config = write(tmp_path, "[vad]\nframe_ms = 25")
    proc = coach(command, "--config", str(config), *COMMANDS[command], cwd=tmp_path)
    assert proc.returncode == 2
    assert f"{config}: [vad] frame_ms: must be one of (10, 20, 30)" in the_line(proc)


def test_serve_refuses_to_start_on_a_bad_vad_value(tmp_path):
    port = free_port()
    config = write(tmp_path, f"[server]\nport = {port}\n[vad]\naggressiveness = 7")
    proc = coach("serve", "--config", str(config), cwd=tmp_path)
    assert proc.returncode == 2
    assert f"{config}: [vad] aggressiveness: must be one of (0, 1, 2, 3), not 7" in the_line(proc)
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_a_good_config_passes_and_is_typed(tmp_path):
    config = write(tmp_path, "[vad]\nframe_ms = 20\n[coaching.severity]\npace = 'warn'\n"
                             "[mqtt]\nembedded_tcp_port = 1884\n[nudges]\ndisabled = ['pace', 'kudos']")
    loaded = read_config(config)
    settings = check_config(loaded)
    assert settings.session == SessionSettings.from_config(loaded.values)
    assert settings.session.vad.frame_ms == 20 and settings.coaching.severity["pace"] == "warn"
    assert settings.mqtt.embedded_tcp_port == 1884 and settings.session.gate.disabled == {"pace", "kudos"}
    assert load_checked_config(config) == loaded.values


def every_key(table: dict, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from every_key(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def wrong_type(default):
    """A value of another TOML type than ``default``'s."""
    return 1 if isinstance(default, str) else "x"


@pytest.mark.parametrize(("key", "default"), list(every_key(read_config().values)))
def test_every_shipped_key_refuses_a_value_of_the_wrong_type(key, default):
    *tables, name = key.split(".")
    override: dict = {name: wrong_type(default)}
    for table in reversed(tables):
        override = {table: override}
    with pytest.raises(ConfigError) as refused:
        check_config(merge(read_config().values, override))
    assert str(refused.value).startswith(f"[{'.'.join(tables)}] {name}: must be ")


def test_the_line_names_the_file_that_set_the_value(tmp_path):
    with pytest.raises(ConfigError, match=rf"^{COMMAND_LINE}: \[mqtt\] broker_url: 'http://h'"):
        load_checked_config(write(tmp_path, "[vad]\nframe_ms = 20"), {"mqtt": {"broker_url": "http://h"}})
    with pytest.raises(ConfigError, match=r"site\.toml: \[server\] endpoints: unknown \['sip'\]"):
        load_checked_config(write(tmp_path, "[server]\nendpoints = ['sip']"))
    with pytest.raises(ConfigError, match=r"site\.toml: \[coaching\] phrases_dirs: phrase pack folder not found"):
        load_checked_config(write(tmp_path, f"[coaching]\nphrases_dirs = ['{tmp_path / 'none'}']"))
    with pytest.raises(ConfigError, match=r"site\.toml: unknown config key \[vad\] frame_size"):
        load_checked_config(write(tmp_path, "[vad]\nframe_size = 20"))


def test_languages_need_a_phrase_pack(tmp_path):
    with pytest.raises(ConfigError, match=r"\[nudges\] display_language: no phrase pack for 'de'"):
        load_checked_config(write(tmp_path, "[nudges]\ndisplay_language = 'de'"))
    with pytest.raises(ConfigError, match=r"\[coaching\] fallback_language: no phrase pack for 'de'"):
        load_checked_config(write(tmp_path, "[coaching]\nfallback_language = 'de'"))
    with pytest.raises(ConfigError, match=r"\[nudges\] disabled: unknown kinds \['shouting'\]"):
        load_checked_config(write(tmp_path, "[nudges]\ndisabled = ['shouting']"))


def test_languages_must_be_ones_whisper_knows(tmp_path):
    with pytest.raises(ConfigError, match=r"\[asr\.language\] languages: 'greek' is not a language code Whisper"):
        load_checked_config(write(tmp_path, "[asr.language]\nlanguages = ['en', 'greek']"))
    proc = coach("replay", "--language", "greek", "call.wav", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--language must be 'auto' or a language Whisper knows" in the_line(proc)


def test_readiness_turns_away_calls_before_the_decoder_sheds_finals(tmp_path):
    """/readyz reads the oldest queued final's wait, which shedding caps at asr.scheduler.final_max_wait_s."""
    with pytest.raises(ConfigError, match=r"server\.toml: \[server\] ready_max_decode_wait_s: must be below "
                                          r"asr\.scheduler\.final_max_wait_s \(4 s\)"):
        load_checked_config(write(tmp_path, "[asr.scheduler]\nfinal_max_wait_s = 4.0"))
    with pytest.raises(ConfigError, match=r"\[asr\.scheduler\] final_max_wait_s: must be "):
        load_checked_config(write(tmp_path, "[asr.scheduler]\nfinal_max_wait_s = -1.0"))
    assert load_checked_config(write(tmp_path, "[asr.scheduler]\nfinal_max_wait_s = 0.0"))  # never shed
