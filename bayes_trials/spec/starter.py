"""Starter specs: a minimal, commented, runnable spec of each endpoint kind (``bayes-trials init``).

The templates are package data (``bayes_trials/spec/templates/<kind>.toml``, with the CSV
files a kind reads its data from). Each explains every field in comments; its numbers are
placeholders tagged ``assumed`` with a source that says to replace them. Each runs as it is
(the tests validate every template and run it with ``--method exact``).

Example
-------
>>> print(template("binary").splitlines()[0])
# A bayes_trials re-analysis spec with one binary endpoint: events of n patients.
>>> sorted(data_files("time_to_event"))
['time_to_event_patients.csv']
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from ..endpoints.registry import KINDS
from ..errors import OutputError, SpecError

__all__ = ["template", "data_files", "template_path", "write_template"]


def _folder():
    return resources.files(__package__) / "templates"


def template_path(kind: str):
    """The template of ``kind`` (a :class:`~importlib.resources.abc.Traversable`)."""
    if kind not in KINDS:
        raise SpecError(f"unknown endpoint kind {kind!r}; kinds: {', '.join(KINDS)}", field="kind")
    path = _folder() / f"{kind}.toml"
    if not path.is_file():
        raise SpecError(f"no template for the kind {kind!r} yet", field="kind")
    return path


def template(kind: str) -> str:
    """The template spec of ``kind``, as text."""
    return template_path(kind).read_text(encoding="utf-8")


def data_files(kind: str) -> dict[str, str]:
    """The data files ``kind``'s template names (keys ending in ``_csv``): file name -> text."""
    doc = tomllib.loads(template(kind))
    names = [v for e in doc.get("endpoints", []) for k, v in e.items() if k.endswith("_csv")]
    return {n: (_folder() / n).read_text(encoding="utf-8") for n in names}


def write_template(kind: str, out, *, force: bool = False) -> list[Path]:
    """Write ``kind``'s template to ``out`` and its data files beside it, named
    ``<out stem>_<name>`` (the spec pointing to them); the files written.

    Raises :class:`~bayes_trials.errors.OutputError` when a file exists (without ``force``).
    """
    out = Path(out)
    text = template(kind)
    files = {}
    for name, data in data_files(kind).items():
        new = f"{out.stem}_{name.removeprefix(kind + '_')}"
        text = text.replace(f'"{name}"', f'"{new}"')
        files[out.parent / new] = data
    files = {out: text, **files}
    for path in files:
        if path.exists() and not force:
            raise OutputError(
                f"{path} exists; init does not overwrite a file (--force replaces it)", file=path
            )
    if not out.parent.is_dir():
        raise OutputError(f"no folder {str(out.parent)!r}", file=out)
    for path, content in files.items():
        path.write_text(content, encoding="utf-8")
    return list(files)
