import numpy as np

from service.asr import AsrSettings, FakeTranscriber, Transcriber, load_transcriber
from service.asr.guards import NO_VOICE


def tone(seconds):
    t = np.arange(int(seconds * 16000)) / 16000
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_fake_is_a_transcriber_and_gives_one_word_per_interval(settings, config):
    fake = load_transcriber(AsrSettings.from_config({**config["asr"], "engine": "fake"}))
    assert isinstance(fake, FakeTranscriber) and isinstance(fake, Transcriber)
    result = fake.transcribe(tone(2.0), language=None)
    assert result.text.split() == ["word"] * int(2.0 / settings.fake.seconds_per_word)
    assert result.language == settings.fake.language and not result.rejected
    assert fake.transcribe(tone(2.0), language=None) == result  # deterministic


def test_fake_script_in_order_and_partials_preview_the_next_final(settings):
    fake = FakeTranscriber(settings, script=["hello there", "one moment please"])
    assert fake.transcribe(tone(1), language="en", partial=True).text == "hello there"
    assert fake.transcribe(tone(1), language="en").text == "hello there"
    assert fake.transcribe(tone(1), language="el").text == "one moment please"
    assert fake.transcribe(tone(1), language="en").rejected == NO_VOICE  # script exhausted
    assert [c[2] for c in fake.calls] == [True, False, False, False]


def test_fake_rejects_silence_and_supports_a_callable(settings):
    fake = FakeTranscriber(settings, script=lambda audio, partial: f"{len(audio)} samples")
    assert fake.transcribe(tone(0.5), language="en").text == "8000 samples"
    assert fake.transcribe(np.zeros(8000, np.float32), language="en").rejected == NO_VOICE


def test_engine_none_gives_no_transcriber(config):
    assert load_transcriber(AsrSettings.from_config({**config["asr"], "engine": "none"})) is None
