"""Package list for setuptools; everything else lives in pyproject.toml.

The top-level ``config/`` folder is shipped as ``service.defaults`` and the model
registry ``models/registry.toml`` as ``service.registry``, so that the
documented defaults travel with ``pip install .``; setuptools' automatic
discovery cannot follow a mapped folder, hence this file.
"""

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent
config_packages = ["service.defaults"] + [
    "service.defaults." + ".".join(p.relative_to(ROOT / "config").parts)
    for p in sorted((ROOT / "config").rglob("*"))
    if p.is_dir() and not p.name.startswith((".", "__"))
]
setup(packages=find_packages(include=["service", "service.*"]) + config_packages + ["service.registry"])
