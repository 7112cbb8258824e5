"""`coach models`: the models with their size, whether they load offline here, and their measured figures."""

from __future__ import annotations

import json

import pytest

from service.asr.measurements import load_measurements
from service.asr.models import folder_size, load_hub_models, load_registry, prepare
from service.cli import main


def coach_models(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["models", *args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def base_folder():
    return prepare("base")  # the shipped configuration's model, assembled (a no-op once it is)


def test_json_lists_the_registry_the_larger_tiers_and_the_figures_of_the_measurements_file(capsys, base_folder):
    rc, out, _ = coach_models(capsys, "--json")
    assert rc == 0
    doc = json.loads(out)
    rows = {row["name"]: row for row in doc["models"]}
    assert list(rows) == [*load_registry(), *load_hub_models()]
    base = rows["base"]
    assert base["configured"] and base["offline"] and base["kind"] == "registry"
    assert base["parameters"] == load_registry()["base"].parameters
    assert base["size_bytes"] == folder_size(base_folder)
    measured = load_measurements()[("base", "cpu")]
    assert base["measurements"]["cpu"]["rtf"] == {str(w): v for w, v in measured.rtf.items()}
    for language in doc["languages"]:
        assert base["measurements"]["cpu"]["wer"][language] == measured.wer.get(language, "unmeasured")
    for name, tier in load_hub_models().items():
        row = rows[name]
        assert row["kind"] == "hub" and not row["configured"] and tier.repo in row["description"]
        if not row["offline"]:  # not fetched here: the estimated download, and what to do
            assert row["download_bytes_estimate"] == 2 * tier.parameters and "allow_download" in row["here"]
        for device in ("cpu", "cuda"):
            assert (row["measurements"][device] == "unmeasured") == ((name, device) not in load_measurements())


def test_text_shows_cost_and_a_word_error_table_with_unmeasured_cells(capsys, base_folder):
    rc, out, _ = coach_models(capsys)
    assert rc == 0
    measured = load_measurements()[("base", "cpu")]
    assert f"RTF {measured.rtf[1]:.3f}" in out
    header = next(line for line in out.splitlines() if line.strip().startswith("model "))
    row = next(line for line in out.splitlines() if line.strip().startswith("base (cpu)"))
    languages = header.split()[1:]
    assert row.split()[2:3] == [f"{measured.wer[languages[0]]:.1%}"]
    assert "unmeasured" in out.split("Word error rate")[1]


def test_a_local_folder_is_listed_as_configured_and_offline(capsys, tmp_path, base_folder):
    folder = tmp_path / "whisper-base-ct2"
    folder.mkdir()
    for f in base_folder.iterdir():
        (folder / f.name).symlink_to(f)
    config = tmp_path / "site.toml"
    config.write_text(f'[asr]\nmodel = "{folder}"\n', encoding="utf-8")
    rc, out, _ = coach_models(capsys, "--json", "--config", str(config))
    assert rc == 0
    row = json.loads(out)["models"][-1]
    assert row["name"] == str(folder) and row["kind"] == "folder" and row["configured"] and row["offline"]
    assert row["size_bytes"] == folder_size(base_folder)


def test_one_model_by_name(capsys):
    rc, out, _ = coach_models(capsys, "--json", "medium")
    assert rc == 0
    assert [row["name"] for row in json.loads(out)["models"]] == ["medium"]


@pytest.mark.parametrize(("name", "message"), [
    ("huge", "unknown model 'huge'"),
    ("./no-such-folder", "model folder ./no-such-folder does not exist"),
])
def test_an_unknown_model_is_one_clear_error(capsys, name, message):
    rc, out, err = coach_models(capsys, name)
    assert rc == 2 and out == ""
    assert err.startswith("coach models: ") and message in err and len(err.strip().splitlines()) == 1
