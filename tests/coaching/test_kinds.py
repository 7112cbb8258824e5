"""The kind catalogue: each kind declared once, and everything that names kinds agrees with it.

These fail when a kind lacks a message or a label in a language of the phrase
packs, when the rules raise a kind the catalogue does not declare, when the
catalogue declares a kind nothing raises, or when a kind's settings drift from
config/*.toml.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from service.coaching import KINDS, NUDGE_KINDS, MessageCatalog, coaching_settings
from service.coaching.kinds import BY_NAME, PACK_SETTINGS, PRINCIPLES, build_rules, display_labels, setting
from service.coaching.loader import pack_languages
from service.coaching.rules import EmpathyRule, KudosRule
from service.evaluation import load_cases
from service.replay.transcript import replay_transcript

DATA = Path(__file__).resolve().parents[1] / "data"
# Labelled calls of every pack language that, between them, earn every kind.
SUITES = ("synthetic", "realistic")
# config/messages.yaml: "under ~60 characters", so a card reads at a glance.
MAX_MESSAGE_CHARS = 60
# The gate counts the kudos it holds back under this name, not per kind.
HELD_KUDOS = "kudos"


@pytest.fixture(scope="module")
def languages(settings) -> tuple[str, ...]:
    return pack_languages(settings.phrases_dirs)


@pytest.fixture(scope="module")
def catalog() -> MessageCatalog:
    return MessageCatalog.load()


@pytest.fixture(scope="module")
def raised(config) -> Counter:
    """Every kind raised over the labelled suites, shown or held back by the gate."""
    counts: Counter = Counter()
    for suite in SUITES:
        for case in load_cases(DATA / suite):
            report = replay_transcript(case.doc, config, case.source)
            counts.update(item["kind"] for item in report["nudges"] + report["kudos"])
            counts.update({kind: n for kind, n in report["suppressed"].items() if kind != HELD_KUDOS})
    return counts


def test_every_kind_has_a_message_and_a_label_in_every_pack_language(catalog, languages):
    texts = {"message": lambda kind: catalog.texts.get((kind, "")), "label": catalog.labels.get}
    gaps = [(kind.name, language, what) for kind in KINDS for what, of in texts.items() for language in languages
            if not (of(kind.name) or {}).get(language)]
    assert gaps == []


def test_every_message_and_variant_is_brief_and_complete(catalog, languages):
    for (kind, variant), by_language in catalog.texts.items():
        assert set(languages) <= set(by_language), (kind, variant)
        assert all(0 < len(text) <= MAX_MESSAGE_CHARS for text in by_language.values()), (kind, variant)
    for language in languages:
        assert catalog.message("dead_air", language, "after_hold") != catalog.message("dead_air", language)


def test_messages_name_only_kinds_of_the_catalogue(catalog):
    assert {kind for kind, _ in catalog.texts} == set(BY_NAME)
    assert set(catalog.labels) == set(BY_NAME)


def test_display_labels_name_every_kind_in_every_pack_language(catalog, languages):
    labels = display_labels()
    assert tuple(labels) == languages
    for language, by_kind in labels.items():
        assert by_kind == {kind.name: catalog.labels[kind.name][language] for kind in KINDS}, language


def test_a_language_added_by_a_qa_folder_gets_english_labels(tmp_path):
    (tmp_path / "xx.yaml").write_text("language: xx\ncategories: {}\n", encoding="utf-8")
    labels = display_labels(("phrases", str(tmp_path)))
    assert labels["xx"] == labels["en"]


def test_the_rules_raise_no_kind_outside_the_catalogue(raised):
    assert set(raised) - set(BY_NAME) == set()


def test_every_kind_of_the_catalogue_is_raised_by_some_rule(raised):
    assert set(BY_NAME) - set(raised) == set()


def test_a_rule_raising_several_kinds_is_built_once(settings):
    built = Counter(type(rule) for rule in build_rules(settings))
    assert built[EmpathyRule] == 1 and built[KudosRule] == 1


def test_every_declared_setting_is_in_the_shipped_config(config):
    declared = [path for kind in KINDS for path in (*kind.settings, kind.severity) if path] + list(PACK_SETTINGS)
    assert [path for path in declared if setting(config, path) is None] == []


def test_every_coaching_setting_tunes_a_declared_kind(config):
    declared = set(PACK_SETTINGS) | {path for kind in KINDS for path in kind.settings}
    keys = {f"coaching.{key}" for key in config["coaching"] if key != "severity"}
    assert keys - declared == set()


def test_settings_refuse_a_severity_table_that_disagrees_with_the_catalogue(config):
    severity = config["coaching"]["severity"]
    without_pace = {kind: value for kind, value in severity.items() if kind != "pace"}
    with pytest.raises(ValueError, match=r"missing \['pace'\]"):
        coaching_settings(dict(config["coaching"], severity=without_pace))
    with pytest.raises(ValueError, match=r"unknown \['shouting'\]"):
        coaching_settings(dict(config["coaching"], severity={**severity, "shouting": "warn"}))
    assert set(severity) == set(NUDGE_KINDS)


def test_every_principle_is_measured_by_a_nudge_and_titled_once():
    assert len({p.title for p in PRINCIPLES}) == len(PRINCIPLES)
    for principle in PRINCIPLES:
        assert any(k.principle == principle and not k.is_kudos for k in KINDS), principle.title
