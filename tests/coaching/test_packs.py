"""The shipped phrase packs and messages: complete, loadable, extensible by a QA team."""

import dataclasses

import pytest

from service.coaching import CATEGORIES, KUDOS_KINDS, NUDGE_KINDS, CoachingEngine, CoachingSettings, MessageCatalog
from service.coaching.loader import load_packs
from service.config import ConfigError
from service.core.events import TranscriptSegment

LANGUAGES = ("en", "el", "tr", "lv", "tl")
# Categories a language may leave empty (nothing to say); all others must have phrases.
OPTIONAL = {"ownership"}


@pytest.fixture(scope="module")
def settings(config):
    return CoachingSettings.from_config(config["coaching"])


def test_every_language_has_a_pack_with_phrases_in_every_category(settings):
    packs = load_packs(settings)
    assert set(LANGUAGES) <= set(packs)
    for language in LANGUAGES:
        empty = [c for c in CATEGORIES if not packs[language].categories[c] and c not in OPTIONAL]
        assert empty == [], f"{language}: empty categories {empty}"


def test_common_jargon_reaches_every_language(settings):
    for pack in load_packs(settings).values():
        assert "SLA" in [p.source for p in pack.categories["jargon"]]


def test_messages_cover_every_kind_in_every_language_briefly():
    catalog = MessageCatalog.load()
    kinds = NUDGE_KINDS + KUDOS_KINDS + ("interruption", "dead_air")
    for kind in kinds:
        for language in LANGUAGES:
            text = catalog.texts[(kind, "")].get(language, "")
            assert 0 < len(text) <= 60, (kind, language, text)
    for language in LANGUAGES:
        assert catalog.texts[("dead_air", "after_hold")][language] != catalog.message("dead_air", language)


def test_message_falls_back_to_plain_variant_then_english():
    catalog = MessageCatalog.load()
    assert catalog.message("pace", "de") == catalog.message("pace", "en")
    assert catalog.message("blame", "el", variant="nonexistent") == catalog.message("blame", "el")
    assert catalog.message("no_such_kind", "en") == ""


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
        CoachingSettings.from_config(section)
