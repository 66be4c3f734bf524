"""The structure check catches what it promises, on small fake trees, and the real tree passes it."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import check


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "bgdeploy" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for d in [p for p in (root / "bgdeploy").rglob("*") if p.is_dir()] + [root / "bgdeploy"]:
        (d / "__init__.py").touch()
    return root


def test_the_real_tree_passes() -> None:
    assert check.problems() == []


def test_an_import_cycle_even_through_a_lazy_import(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a.py": "from bgdeploy import b\n", "b.py": "def f():\n    from bgdeploy.a import x\n"})
    assert check.problems(root) == ["import cycle: bgdeploy.a <-> bgdeploy.b"]


def test_a_module_over_400_lines(tmp_path: Path) -> None:
    root = tree(tmp_path, {"big.py": "x = 1\n" * 401})
    assert check.problems(root) == ["bgdeploy/big.py: 401 lines (at most 400)"]


def test_a_step_importing_another_step(tmp_path: Path) -> None:
    root = tree(tmp_path, {"engine/steps/one.py": "from bgdeploy.engine.steps import two\n",
                           "engine/steps/two.py": "X = 1\n"})
    assert check.problems(root) == ["step bgdeploy.engine.steps.one imports step bgdeploy.engine.steps.two"]


def test_a_cloud_controller_path_outside_cc(tmp_path: Path) -> None:
    root = tree(tmp_path, {"engine/x.py": 'PATH = "/v3/apps"\n', "cc/apps.py": 'PATH = "/v3/apps"\n'})
    assert check.problems(root) == ["bgdeploy/engine/x.py: a Cloud Controller path outside bgdeploy/cc"]
