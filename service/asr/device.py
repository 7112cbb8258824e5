"""Is ``asr.device`` / ``asr.compute_type`` usable on this machine? Asked once, at start-up.

Why: CTranslate2 only finds out when the model is loaded, which ``coach
replay`` does in each worker for its first call, and a ``device = "cuda"``
copied from a GPU host to a CPU one then fails every call with a traceback
from deep inside the loader. Asking CTranslate2 what this machine supports
is cheap, so ``service.settings.check_config`` does it with the other settings
and a wrong choice is one ``ConfigError`` line before anything runs.
"""

from __future__ import annotations

from ..config import require
from .settings import AsrSettings

__all__ = ["check_device"]

# CTranslate2 devices a model may be placed on ("auto" = CUDA when there is one, else the CPU).
DEVICES = ("cpu", "cuda", "auto")
# Compute types that let CTranslate2 pick one the device supports (the model's own type, the fastest).
CHOSEN_BY_CTRANSLATE2 = ("default", "auto")


def check_device(settings: AsrSettings, cuda_devices: int | None = None) -> AsrSettings:
    """``settings`` unchanged when the Whisper engine can run on its device here; else a ``SettingError``.

    ``cuda_devices`` is CTranslate2's count of usable CUDA devices (asked
    when None). Only the "whisper" engine is checked: the fake one and "none"
    load no model.
    """
    if settings.engine != "whisper":
        return settings
    require(settings.device in DEVICES, "asr.device", f"must be one of {', '.join(DEVICES)}, not {settings.device!r}")
    import ctranslate2  # the Whisper engine's runtime: only imported when that engine is configured

    if cuda_devices is None:
        cuda_devices = ctranslate2.get_cuda_device_count()
    require(settings.device != "cuda" or cuda_devices > 0, "asr.device",
            "is 'cuda' but CTranslate2 finds no CUDA device on this machine (no NVIDIA GPU, driver, or CUDA 12 "
            "and cuDNN 9 libraries); fix: set asr.device = \"cpu\" with compute_type = \"int8\", or run on the "
            "GPU host (docs/asr.md, \"Model tiers\")")
    device = "cuda" if settings.device == "cuda" or (settings.device == "auto" and cuda_devices > 0) else "cpu"
    supported = ctranslate2.get_supported_compute_types(device)
    require(settings.compute_type in (*CHOSEN_BY_CTRANSLATE2, *supported), "asr.compute_type",
            f"{settings.compute_type!r} is not supported on {device} here (supported: "
            f"{', '.join(sorted(supported))}, or {' / '.join(CHOSEN_BY_CTRANSLATE2)})")
    return settings
