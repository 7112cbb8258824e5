import pytest

from service.asr import AsrSettings, SettingsError
from service.config import load_config


def test_shipped_defaults_build_typed_settings(settings):
    assert settings.engine == "whisper" and settings.model == "base"
    assert settings.window == "trimmed"
    assert isinstance(settings.guards.hallucination_phrases, tuple)
    assert "el" in settings.language.languages
    assert settings.scheduler.max_queue >= 1


def test_override_through_the_config_loader():
    config = load_config(overrides={"asr": {"window": "full", "scheduler": {"workers": 2}}})
    settings = AsrSettings.from_config(config["asr"])
    assert settings.window == "full" and settings.scheduler.workers == 2


@pytest.mark.parametrize(
    "change, message",
    [({"engine": "vosk"}, "asr.engine"), ({"window": "half"}, "asr.window"), ({"bucket_s": 0}, "bucket_s")],
)
def test_bad_values_are_refused_with_the_key(config, change, message):
    with pytest.raises(SettingsError, match=message):
        AsrSettings.from_config({**config["asr"], **change})


def test_missing_key_is_named(config):
    section = {k: v for k, v in config["asr"].items() if k != "padding_s"}
    with pytest.raises(SettingsError, match="padding_s"):
        AsrSettings.from_config(section)
