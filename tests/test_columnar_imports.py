"""The columnar modules load neither label-studio-sdk nor ``datasets``, and the package itself
loads nothing: the invariants its README states."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import newsclaims.columnar

MODULES = sorted(f"newsclaims.columnar.{path.stem}" for path in Path(newsclaims.columnar.__file__).parent.glob("*.py") if path.stem != "__init__")


def _heavy_after(imports: list[str]) -> list[str]:
    """The heavy libraries in ``sys.modules`` once ``imports`` are imported in a fresh interpreter."""
    heavy = "print(sorted({n.split('.')[0] for n in sys.modules} & {'label_studio_sdk', 'datasets', 'pyarrow'}))"
    code = "; ".join([*(f"import {name}" for name in imports), "import sys", heavy])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def test_the_package_has_its_modules():
    assert {"newsclaims.columnar.checks", "newsclaims.columnar.ls_tasks", "newsclaims.columnar.span_texts"} <= set(MODULES)


def test_no_columnar_module_loads_the_label_studio_sdk_or_datasets():
    assert MODULES
    assert _heavy_after(MODULES) == ["pyarrow"]


def test_the_package_alone_loads_nothing_heavy():
    assert _heavy_after(["newsclaims.columnar"]) == []
