"""The shipped phrase packs and messages: complete, loadable, extensible by a QA team."""

import dataclasses

import pytest

from service.coaching import CATEGORIES, CoachingEngine, MessageCatalog, coaching_settings
from service.coaching.loader import load_packs, pack_languages
from service.config import ConfigError
from service.core.events import TranscriptSegment

# Categories a language may leave empty (nothing to say); all others must have phrases.
OPTIONAL = {"ownership"}


@pytest.fixture(scope="module")
def settings(config):
    return coaching_settings(config["coaching"])


def test_every_pack_has_phrases_in_every_category(settings):
    packs = load_packs(settings)
    assert tuple(sorted(packs)) == pack_languages(settings.phrases_dirs)
    for language, pack in packs.items():
        empty = [c for c in CATEGORIES if not pack.categories[c] and c not in OPTIONAL]
        assert empty == [], f"{language}: empty categories {empty}"


def test_common_jargon_reaches_every_language(settings):
    for pack in load_packs(settings).values():
        assert "SLA" in [p.source for p in pack.categories["jargon"]]


def test_message_and_label_fall_back_to_plain_variant_then_english():
    catalog = MessageCatalog.load()
    assert catalog.message("pace", "de") == catalog.message("pace", "en")
    assert catalog.message("blame", "el", variant="nonexistent") == catalog.message("blame", "el")
    assert catalog.message("no_such_kind", "en") == ""
    assert catalog.label("pace", "de") == catalog.label("pace", "en") != catalog.label("pace", "el")
    assert catalog.label("no_such_kind", "en") == ""


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_qa_folder_adds_phrases_to_a_shipped_language_and_adds_a_language(tmp_path, settings):
    _write(tmp_path / "en-extra.yaml", "language: en\ncategories:\n  runaround: [pop into a branch]\n")
    new = "language: xx\nnegation: {before: [nah]}\ncategories:\n" + "".join(f"  {c}: []\n" for c in CATEGORIES)
    _write(tmp_path / "xx.yaml", new.replace("  blame: []", "  blame: [your bad]"))
    extended = dataclasses.replace(settings, phrases_dirs=("phrases", str(tmp_path)))
    engine = CoachingEngine(extended, language="en")
    out = engine.on_transcript(TranscriptSegment("agent", 0.0, 2.0, "Just pop into a branch."), now=2.0)
    assert [(n.kind, n.t) for n in out] == [("runaround", 2.0)]
    engine.set_language("xx")
    out = engine.on_transcript(TranscriptSegment("agent", 3.0, 4.0, "Your bad."), now=4.0)
    assert [(n.kind, n.t) for n in out] == [("blame", 4.0)]
    out = engine.on_transcript(TranscriptSegment("agent", 5.0, 6.0, "Nah your bad."), now=6.0)
    assert out == []


def test_a_broken_pack_names_the_file(tmp_path, settings):
    _write(tmp_path / "bad.yaml", "language: en\ncategories: [oops\n")
    broken = dataclasses.replace(settings, phrases_dirs=(str(tmp_path),))
    with pytest.raises(ConfigError, match="bad.yaml"):
        load_packs(broken)


def test_settings_refuse_an_unknown_severity(config):
    section = dict(config["coaching"], severity={**config["coaching"]["severity"], "pace": "loud"})
    with pytest.raises(ValueError, match="pace"):
        coaching_settings(section)
