"""Score submitted exercise notebooks from their check cells' points.

Usage (from the repository root)::

    python tools/grade.py submissions/*.ipynb                 # source matched by file name
    python tools/grade.py alice.ipynb --source exercises/01-counting-maps-and-parameters.ipynb
    python tools/grade.py submissions/*.ipynb --csv grades.csv

For each submission it puts back every check cell as the course wrote it
(matched by its nbgrader-style ``grade_id``; a check cell the student deleted
is added back at the end), runs the notebook top to bottom in a fresh kernel
(errors allowed), and awards a check cell's points when it runs without an
error. A check that fails, or that never runs because the notebook stopped,
earns nothing.

This is a convenience for honest, low-stakes grading, not a sandbox: the
student's code runs with your permissions (use a container or a throwaway
account), and a determined student could fool the checks from their own
cells.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def grade_cells(nb) -> dict[str, object]:
    """The check cells of ``nb`` by grade_id."""
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in nb.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade", False)
    }


def restore_checks(submission, source):
    """Return a copy of ``submission`` whose check cells are ``source``'s (by grade_id)."""
    submission = nbformat.from_dict(submission)
    originals = grade_cells(source)
    present = set()
    for index, cell in enumerate(submission.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in originals:
            submission.cells[index] = nbformat.from_dict(originals[grade_id])
            present.add(grade_id)
    submission.cells.extend(nbformat.from_dict(cell) for gid, cell in originals.items() if gid not in present)
    for cell in submission.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return submission


def score(executed, source) -> list[tuple[str, float, float, str]]:
    """``(grade_id, points, earned, note)`` for every check of ``source``, from the executed notebook."""
    results = []
    ran = grade_cells(executed)
    for grade_id, cell in grade_cells(source).items():
        points = float(cell.metadata["nbgrader"]["points"])
        done = ran.get(grade_id)
        errors = [o for o in done.get("outputs", []) if o.output_type == "error"] if done is not None else []
        if done is None or done.get("execution_count") is None:
            results.append((grade_id, points, 0.0, "not run"))
        elif errors:
            first_line = (errors[0].evalue or "").strip().splitlines()[:1]
            results.append((grade_id, points, 0.0, f"{errors[0].ename}: {' '.join(first_line)}"))
        else:
            results.append((grade_id, points, points, "passed"))
    return results


def run(nb, folder: Path, timeout: int = 120):
    """Execute ``nb`` in a fresh kernel with errors allowed; return it."""
    from nbclient import NotebookClient

    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(folder)}}
    ).execute()
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+", type=Path)
    parser.add_argument("--source", type=Path, help="the course notebook (default: exercises/<same file name>)")
    parser.add_argument("--csv", type=Path, help="also write one row per submission and check to this file")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    args = parser.parse_args(argv)

    rows = []
    for path in args.submissions:
        source_path = args.source or ROOT / "exercises" / path.name
        if not source_path.exists():
            print(f"{path}: no course notebook {source_path}; pass --source", file=sys.stderr)
            return 2
        source = nbformat.read(source_path, as_version=4)
        executed = run(restore_checks(nbformat.read(path, as_version=4), source), path.parent, args.timeout)
        results = score(executed, source)
        total, earned = sum(r[1] for r in results), sum(r[2] for r in results)
        print(f"{path}: {earned:g} / {total:g} points")
        for grade_id, points, got, note in results:
            print(f"  {grade_id:<24} {got:g}/{points:g}  {note}")
            rows.append({"submission": str(path), "grade_id": grade_id, "points": points, "earned": got, "note": note})
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["submission", "grade_id", "points", "earned", "note"])
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
