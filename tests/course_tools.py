"""The course's command-line tools (``tools/*.py``) as modules, for the tests that call them."""

import importlib.util
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def load_tool(name: str):
    """Import ``tools/<name>.py`` (the tools folder is not a package) and return the module."""
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
