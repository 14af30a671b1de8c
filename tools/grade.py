"""Grade a batch of submitted exercise notebooks.

Usage (from the repository root)::

    python tools/grade.py SUBMISSIONS --csv grades.csv [--feedback DIR] [--timeout S] [-j N]

``SUBMISSIONS`` holds one folder per student, each with any number of files:
``SUBMISSIONS/<student>/<any name>.ipynb`` (a file directly in ``SUBMISSIONS``
is a student of its own, named after the file; hidden files are skipped).
Each notebook is matched to its exercise by its content: the nbformat ids of
its cells, the nbgrader ``grade_id`` of its check cells, the check cells'
code. So ``01 (1).ipynb`` or ``final.ipynb`` is graded like
``01-counting-maps-and-parameters.ipynb``. The course's notebooks are read from
``solutions/``, or from ``exercises/`` where ``solutions/`` is absent (``--course``
chooses another folder).

For each notebook the grader

1. puts back every check cell, and every read-only cell, as the course wrote
   it (a check cell the student deleted is inserted where it belongs);
2. prefixes each check cell with a few lines (see ``PRELUDE``) that drop
   every ``convutil`` module but ``convutil.nn`` (whose layer classes must
   keep their identity) from ``sys.modules``, import the course's checking
   code afresh from disk, and point the notebook's own names for convutil
   modules, functions and classes at the fresh ones, so that patching
   ``convutil.checks`` (or the reference functions it compares with) in a
   student's cell changes nothing, while the checks still recognise the
   functions a task forbids;
3. runs the notebook top to bottom in a fresh kernel, in a temporary folder,
   with a time limit per cell (``--timeout``), errors allowed;
4. awards a check cell's points when it ran to its end without an error (it
   ends by printing a random token the notebook cannot know in advance, so
   a check skipped or silenced earns nothing; a notebook written to rewrite
   its cells can still fake a pass, and is flagged, see below).

Results:

* ``--csv FILE``: one row per (student, exercise): ``student, exercise,
  points, max_points, note, file``. A notebook that hangs (a cell runs longer
  than ``--timeout``), kills its kernel (``exit()``, ``os._exit``, a crash), is
  not a notebook, or matches no exercise gets a row with 0 points and a note
  saying why; the batch goes on. When a student handed in several notebooks
  of one exercise, the best counts and the note names the others. The note of
  a notebook whose code touches the grading machinery (``SUSPICIOUS``) ends
  with "review by hand".
* ``FILE`` with ``.checks.csv`` instead of ``.csv``: one row per check, with
  the checker's full message.
* ``--feedback DIR`` (default: ``feedback/`` beside the CSV): per student,
  ``<file>.txt`` with every check's result and full message, and
  ``<file>.executed.ipynb``, the notebook as it was run.

Exit status: 0 when the batch was graded, 2 for a usage error.

This is not a sandbox. The student's code runs as the user who runs the
grader, with their files and network. Run untrusted batches in a container
(see the instructor guide); what a student can still do is listed there.
"""

from __future__ import annotations

import argparse
import ast
import csv
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import nbformat

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PRELUDE_MARK = "# --- added by tools/grade.py"
PRELUDE = f"""{PRELUDE_MARK}: the course's checking code, imported afresh from disk ---
def _grade_refresh(namespace):
    import importlib, sys, types

    def origin(value):  # (module, attribute path) of convutil's own module, function or class; None for others
        try:
            if isinstance(value, types.ModuleType):
                return value.__name__, ""
            module, path = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
            found = sys.modules.get(module)
            for part in path.split("."):  # the object itself, not one that only carries its labels (functools.wraps)
                found = getattr(found, part)
            return (module, path) if found is value else None
        except Exception:
            return None

    bound = {{key: o for key, v in namespace.items() if (o := origin(v)) and o[0].split(".")[0] == "convutil"}}
    for name in [n for n in sys.modules if n.split(".")[0] == "convutil" and n != "convutil.nn"]:
        del sys.modules[name]  # (convutil.nn stays: its layer classes keep their identity, e.g. as dict keys)
    importlib.invalidate_caches()
    for key, (module, path) in bound.items():  # what the notebook bound from convutil, now the fresh objects
        try:
            value = importlib.import_module(module)
            for part in filter(None, path.split(".")):
                value = getattr(value, part)
        except (ImportError, AttributeError):
            continue
        namespace[key] = value


_grade_refresh(globals())
del _grade_refresh
{{imports}}
# --- the course's check ---
"""


# What only a notebook that works against the grader needs (the guide explains what grading cannot prevent):
# a submission that uses one of these is graded as usual, and its note asks for a review by hand.
SUSPICIOUS = re.compile(
    r"input_transformers|ast_transformers|set_custom_exc|setprofile|settrace|sys\.modules|__code__|__array|"
    r"\bexec\(|\beval\(|\bsetattr\(|ctypes|\bsignal\.(signal|alarm|setitimer)|threading|multiprocessing|os\.kill|"
    r"^\s*(np|numpy|math|sys|convutil[\w.]*)\.\w+(\.\w+)*\s*=[^=]",
    re.MULTILINE,
)


class Exercise(NamedTuple):
    """A course notebook: its check cells, its read-only cells and what identifies it."""

    name: str
    nb: object
    points: dict[str, float]  # grade_id -> points, in notebook order
    imports: str  # the notebook's own imports of convutil, replayed before each check
    ids: set[str]  # nbformat ids of every cell
    check_sources: set[str]

    @property
    def max_points(self) -> float:
        return sum(self.points.values())


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_check(cell) -> bool:
    return cell.get("cell_type") == "code" and bool(nbgrader_meta(cell).get("grade"))


def is_restored(cell) -> bool:
    """Check cells and read-only cells: the grader puts them back as the course wrote them."""
    meta = nbgrader_meta(cell)
    return (bool(meta.get("grade")) or bool(meta.get("locked"))) and not meta.get("solution", False)


def convutil_imports(nb) -> str:
    """The notebook's ``import``/``from ... import`` statements of convutil (outside check and answer cells)."""
    statements = []
    for cell in nb.cells:
        if cell.cell_type != "code" or is_check(cell) or nbgrader_meta(cell).get("solution"):
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in tree.body:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if any(n.split(".")[0] == "convutil" for n in names) or (module or "").split(".")[0] == "convutil":
                statements.append(ast.get_source_segment(code, node))
    return "\n".join(dict.fromkeys(statements))


@lru_cache(maxsize=4)
def load_course(folder: Path) -> dict[str, Exercise]:
    """Every exercise of the course folder (``solutions/`` or ``exercises/``), by notebook stem."""
    course = {}
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        checks = [cell for cell in nb.cells if is_check(cell)]
        if not checks:
            continue
        course[path.stem] = Exercise(
            name=path.stem,
            nb=nb,
            points={nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"]) for c in checks},
            imports=convutil_imports(nb),
            ids={cell.get("id") for cell in nb.cells if cell.get("id")},
            check_sources={c.source.strip() for c in checks},
        )
    return course


def default_course_folder() -> Path:
    """``solutions/`` where the course has it, else the generated ``exercises/``."""
    solutions = ROOT / "solutions"
    return solutions if any(solutions.glob("*.ipynb")) else ROOT / "exercises"


def match(nb, course: dict[str, Exercise]) -> Exercise | None:
    """The exercise whose cells the notebook shares most (cell ids, check grade_ids, check sources)."""
    ids = {cell.get("id") for cell in nb.cells if cell.get("id")}
    grade_ids = {nbgrader_meta(cell).get("grade_id") for cell in nb.cells if is_check(cell)}
    sources = {cell.get("source", "").strip() for cell in nb.cells}
    best, best_score = None, 0
    for exercise in course.values():
        score = (
            len(ids & exercise.ids)
            + 2 * len(grade_ids & set(exercise.points))
            + 2 * len(sources & exercise.check_sources)
        )
        if score > best_score:
            best, best_score = exercise, score
    return best


def restore_checks(submission, exercise: Exercise, prelude: bool = True, token: str | None = None):
    """A copy of ``submission`` with the course's check and read-only cells put back (by id or grade_id).

    A restored cell the student deleted is inserted after the cell that precedes
    it in the course notebook (or at the end); duplicates of a restored cell are
    dropped; outputs are cleared. With ``prelude``, each check cell first
    re-imports the checking code (see the module docstring); with ``token``, it
    ends by printing it, which :func:`score` then requires (a notebook that
    stops its check cells from running, e.g. by an IPython input transformer,
    cannot print a token it has never seen).
    """
    nb = nbformat.from_dict(submission)
    originals = [cell for cell in exercise.nb.cells if is_restored(cell)]
    keys = {}
    for cell in originals:
        keys[("id", cell.get("id"))] = cell
        keys[("grade_id", nbgrader_meta(cell).get("grade_id"))] = cell
    placed, cells = set(), []
    for cell in nb.cells:
        original = keys.get(("id", cell.get("id"))) or keys.get(("grade_id", nbgrader_meta(cell).get("grade_id")))
        if original is None:
            cells.append(cell)
        elif id(original) not in placed:
            placed.add(id(original))
            cells.append(nbformat.from_dict(original))
    order = [cell.get("id") for cell in exercise.nb.cells]
    for cell in originals:
        if id(cell) not in placed:
            before = order[: order.index(cell.get("id"))] if cell.get("id") in order else []
            at = max((i + 1 for i, c in enumerate(cells) if c.get("id") in before), default=len(cells))
            cells.insert(at, nbformat.from_dict(cell))
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if prelude and is_check(cell):
                cell.source = PRELUDE.replace("{imports}", exercise.imports) + cell.source
            if token and is_check(cell):
                cell.source += f"\nprint({token!r})  # added by tools/grade.py: the check ran to its end"
    nb.cells = cells
    return nb


def error_text(output) -> str:
    text = ANSI.sub("", f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip())
    unknown = " (did the cell that defines it run, without an error?)" if output.get("ename") == "NameError" else ""
    return text + unknown


def score(executed, source, statuses: dict[int, str] | None = None, token: str | None = None) -> list[tuple]:
    """``(grade_id, points, earned, message)`` for every check of ``source``, from the executed notebook.

    A check earns its points when its cell ran, its reply (when ``statuses``
    holds the kernel's replies by cell index) was "ok", it shows no error, and
    it printed ``token`` when one is given.
    """
    ran = {nbgrader_meta(c)["grade_id"]: (i, c) for i, c in enumerate(executed.cells) if is_check(c)}
    results = []
    for cell in source.cells:
        if not is_check(cell):
            continue
        grade_id, points = nbgrader_meta(cell)["grade_id"], float(nbgrader_meta(cell)["points"])
        index, done = ran.get(grade_id, (None, None))
        errors = [o for o in done.get("outputs", []) if o.output_type == "error"] if done else []
        status = (statuses or {}).get(index, "ok")
        if done is None or done.get("execution_count") is None:
            results.append((grade_id, points, 0.0, "not run"))
        elif errors:
            results.append((grade_id, points, 0.0, error_text(errors[0])))
        elif status != "ok":
            results.append((grade_id, points, 0.0, f"the check cell ended with status {status!r} but no message"))
        else:
            printed = "".join(o.get("text", "") for o in done.get("outputs", []) if o.output_type == "stream")
            if token and token not in printed:
                results.append((grade_id, points, 0.0, "the check cell did not run to its end"))
                continue
            message = ANSI.sub("", printed.replace(token or "\0", "")).strip()
            results.append((grade_id, points, points, message or "passed"))
    return results


def execute(nb, timeout: float):
    """Run ``nb`` in a fresh kernel in a temporary folder; return ``(statuses, failure note or None)``."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    statuses: dict[int, str] = {}
    current, exits = {"index": None}, []

    def started(cell, cell_index, **_):
        current["index"] = cell_index

    def executed(cell, cell_index, execute_reply, **_):
        content = (execute_reply or {}).get("content", {})
        statuses[cell_index] = content.get("status", "ok")
        if any(p.get("source") == "ask_exit" and not p.get("keepkernel") for p in content.get("payload", [])):
            exits.append(cell_index)  # exit() or quit(): the kernel stops a little later, at no fixed cell

    def where(index=None) -> str:
        index = current["index"] if index is None else index
        if index is None:
            return "the kernel's start"
        source = nb.cells[index].source.split("# --- the course's check ---\n")[-1]  # a check cell: its check
        first = (source.strip().splitlines() or [""])[0][:60]
        return f"cell {index + 1} ({first})"

    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            shutdown_kernel="immediate",
            on_cell_start=started,
            on_cell_executed=executed,
            resources={"metadata": {"path": folder}},
        )
        failure = None
        try:
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log; the cells' stderr is in their outputs
        except CellTimeoutError:
            failure = f"{where()} ran longer than {timeout:g} s (an endless loop?): notebook not graded"
        except DeadKernelError:
            failure = f"the kernel died (os._exit or a crash; noticed at {where()}): notebook not graded"
        except Exception as exc:  # noqa: BLE001 -- any other failure of the run is this notebook's, not the batch's
            failure = f"could not run the notebook ({type(exc).__name__}: {exc}): notebook not graded"
    if exits:
        failure = f"{where(exits[0])} called exit() or quit(), which stops the notebook: notebook not graded"
    return statuses, failure


def grade_file(student: str, path: Path, relname: str, course_folder: Path, feedback: Path, timeout: float) -> dict:
    """Grade one submitted file; return its row: the CSV's columns, ``checks`` and the executed notebook's path."""
    row = {"student": student, "file": relname, "exercise": "", "points": 0.0, "max_points": "", "checks": []}
    if path is None:
        return {**row, "note": "no file handed in"}
    if path.suffix != ".ipynb":
        return {**row, "note": f"not a notebook (a {path.suffix or 'suffix-less'} file): not graded"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.read(path, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except Exception as exc:  # noqa: BLE001 -- whatever the file is, it is not a notebook we can grade
        reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        return {**row, "note": f"not a readable notebook, damaged or incomplete? ({reason})"}
    exercise = match(nb, load_course(course_folder))
    if exercise is None:
        return {**row, "note": "matches no exercise of the course"}
    row.update(exercise=exercise.name, max_points=exercise.max_points)
    token = f"grade.py token {secrets.token_hex(16)}"
    graded = restore_checks(nb, exercise, token=token)
    statuses, failure = execute(graded, timeout)
    results = score(graded, exercise.nb, statuses, token)
    for cell in graded.cells:  # the executed notebook as the student wrote it: the course's check, no token
        if cell.source.startswith(PRELUDE_MARK):
            cell.source = cell.source.split("# --- the course's check ---\n", 1)[1].split(f"\nprint({token!r})")[0]
            for output in cell.get("outputs", []):
                if "text" in output:
                    output["text"] = output["text"].replace(f"{token}\n", "")
    executed_path = feedback / student / (relname.removesuffix(".ipynb") + ".executed.ipynb")
    executed_path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nbformat.write(graded, executed_path)
    if failure:
        uncounted = "(not counted: the notebook did not run to the end)"
        checks = [(g, p, 0.0, failure if m == "not run" else f"{m}\n{uncounted}") for g, p, _, m in results]
        return {**row, "checks": checks, "note": failure, "executed": str(executed_path)}
    earned = sum(r[2] for r in results)
    failed = [r[0] for r in results if r[2] < r[1]]
    note = "all checks passed" if not failed else f"failed: {', '.join(failed)}"
    students = "\n".join(c.source for c in nb.cells if c.cell_type == "code")  # as handed in
    flagged = sorted({m.group(0).strip()[:30] for m in SUSPICIOUS.finditer(students)})
    note += f"; review by hand: it uses {', '.join(flagged)}" if flagged else ""
    return {**row, "points": earned, "checks": results, "note": note, "executed": str(executed_path)}


def submitted_files(submissions: Path, outputs: tuple[Path, ...] = ()) -> list[tuple[str, Path, str]]:
    """``(student, path, name relative to the student's folder)`` for every file.

    Hidden files and folders are skipped, and so are the grader's own
    ``outputs`` (the CSVs and the feedback folder) should they lie inside.
    """
    outputs = tuple(p.resolve() for p in outputs)
    found = []
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith(".") or entry.resolve() in outputs:
            continue
        if entry.is_file():  # a file at the top: its own student, named after the file
            found.append((entry.stem, entry, entry.name))
            continue
        for path in sorted(entry.rglob("*")):
            rel = path.relative_to(entry)
            mine = any(path.resolve().is_relative_to(out) for out in outputs)
            if path.is_file() and not mine and not any(part.startswith(".") for part in rel.parts):
                found.append((entry.name, path, rel.as_posix()))
        if not found or found[-1][0] != entry.name:
            found.append((entry.name, None, ""))  # an empty folder: a row that says so
    return found


def best_rows(rows: list[dict]) -> list[dict]:
    """One row per (student, exercise): the best notebook; the others are named in its note."""
    chosen: dict[tuple[str, str], dict] = {}
    others: dict[tuple[str, str], list[dict]] = {}
    result = []
    for row in rows:
        if not row["exercise"]:
            result.append(row)
            continue
        key = (row["student"], row["exercise"])
        if key not in chosen:
            chosen[key] = row
            result.append(row)
        elif row["points"] > chosen[key]["points"]:
            others.setdefault(key, []).append(chosen[key])
            result[result.index(chosen[key])] = row
            chosen[key] = row
        else:
            others.setdefault(key, []).append(row)
    for key, extra in others.items():
        names = ", ".join(f"{r['file']} ({r['points']:g})" for r in extra)
        chosen[key]["note"] += f"; best of several notebooks, also: {names}"
    return result


def feedback_text(row: dict) -> str:
    """The student's feedback for one file: the total, then every check with its full message."""
    lines = [f"File: {row['file']}", f"Exercise: {row['exercise'] or '-'}"]
    if row["exercise"]:
        lines.append(f"Points: {row['points']:g} / {row['max_points']:g}")
    lines += [f"Note: {row['note']}", ""]
    for grade_id, points, earned, message in row["checks"]:
        lines += [f"== {grade_id}: {earned:g} / {points:g}", message, ""]
    return "\n".join(lines)


def summary(rows: list[dict]) -> str:
    """Per exercise: notebooks graded, mean points, and how many passed each check (for the instructor)."""
    lines = []
    for exercise in sorted({row["exercise"] for row in rows if row["exercise"]}):
        graded = [row for row in best_rows(rows) if row["exercise"] == exercise]
        mean = sum(row["points"] for row in graded) / len(graded)
        lines.append(f"{exercise}: {len(graded)} student(s), mean {mean:.1f} / {graded[0]['max_points']:g} points")
        passed: dict[str, int] = {}
        for row in graded:
            for grade_id, points, earned, _ in row["checks"]:
                passed[grade_id] = passed.get(grade_id, 0) + (earned == points)
        lines += [f"  {grade_id:<28} passed by {count} of {len(graded)}" for grade_id, count in passed.items()]
    return "\n".join(lines)


def write_results(rows: list[dict], csv_path: Path, feedback: Path) -> None:
    """The CSV (one row per student and exercise), the per-check CSV and the feedback files."""
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student", "exercise", "points", "max_points", "note", "file"])
        writer.writeheader()
        for row in best_rows(rows):
            writer.writerow(
                {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items() if k in writer.fieldnames}
            )
    with open(csv_path.with_suffix(".checks.csv"), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "exercise", "file", "check", "points", "max_points", "message"])
        for row in rows:
            for grade_id, points, earned, message in row["checks"]:
                writer.writerow(
                    [row["student"], row["exercise"], row["file"], grade_id, f"{earned:g}", f"{points:g}", message]
                )
    for row in rows:
        if not row["file"]:
            continue
        path = feedback / row["student"] / (row["file"].removesuffix(".ipynb") + ".txt")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(feedback_text(row), encoding="utf-8")


def parse_args(argv: list[str] | None):
    """The command line, checked (usage errors exit with status 2)."""
    parser = argparse.ArgumentParser(
        prog="python tools/grade.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="a folder with one folder per student")
    parser.add_argument(
        "--csv",
        type=Path,
        required=True,
        metavar="FILE",
        help="grade table to write (one row per student and exercise)",
    )
    parser.add_argument(
        "--feedback",
        type=Path,
        metavar="DIR",
        help="folder for feedback and executed notebooks (default: feedback/ beside the CSV)",
    )
    parser.add_argument("--timeout", type=float, default=60, metavar="S", help="seconds a cell may run (default: 60)")
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="notebooks graded at once (default: all cores)",
    )
    parser.add_argument(
        "--course",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of course notebooks (default: solutions/, else exercises/)",
    )
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder (expected SUBMISSIONS/<student>/<notebook>.ipynb)")
    args.course = (args.course or default_course_folder()).resolve()
    if not load_course(args.course):
        parser.error(f"no course notebook with check cells in {args.course}")
    if args.timeout <= 0 or args.jobs < 1:
        parser.error("--timeout must be positive and -j at least 1")
    args.feedback = (args.feedback or args.csv.parent / "feedback").resolve()
    return args


def identify(path: Path, course_folder: Path) -> dict:
    """``exercise`` and ``max_points`` of a notebook, without running it (empty when there is no match)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exercise = match(nbformat.read(path, as_version=4), load_course(course_folder))
    except Exception:  # noqa: BLE001 -- not a readable notebook: no exercise
        exercise = None
    return {"exercise": exercise.name, "max_points": exercise.max_points} if exercise else {}


def failed_row(student: str, rel: str, note: str) -> dict:
    """The row of a file that could not be graded at all."""
    return {
        "student": student,
        "file": rel,
        "exercise": "",
        "points": 0.0,
        "max_points": "",
        "checks": [],
        "note": note,
    }


def grade_batch(pool_size: int, files: list, settings: tuple, report) -> list[dict]:
    """Grade ``files`` in a pool of ``pool_size`` processes; call ``report(index, row)`` for each.

    A notebook can kill its worker process (it is its kernel's parent), which
    breaks the pool: the files it had not finished are graded again in a
    fresh pool, in reverse order (the culprit was among the first of them, so
    the others now finish before it), and what breaks that pool too is graded
    one file per pool, so that only the culprit is lost.
    """
    rows: list[dict | None] = [None] * len(files)
    pending = list(range(len(files)))
    for _ in range(2):  # every file; then, reversed, those a broken pool left undone
        pending = _grade_round(pool_size, files, pending, settings, rows, report)[::-1] if pending else []
    for index in sorted(pending):
        student, path, rel = files[index]
        if not _grade_round(1, files, [index], settings, rows, report):
            continue
        rows[index] = failed_row(student, rel, "the notebook killed the grader's process: not graded")
        rows[index].update(identify(path, settings[0]))
        report(index, rows[index])
    return rows


def _grade_round(size: int, files: list, indices: list[int], settings: tuple, rows: list, report) -> list[int]:
    """Grade ``files[i]`` for ``i`` in ``indices`` in a pool of ``size``; return those a broken pool left undone."""
    broken = []
    with ProcessPoolExecutor(max_workers=size) as pool:
        futures = {index: pool.submit(grade_file, *files[index], *settings) for index in indices}
        for index, future in futures.items():
            try:
                rows[index] = future.result()
            except BrokenProcessPool:
                broken.append(index)
                continue
            except Exception as exc:  # noqa: BLE001 -- a grader error costs this notebook, not the batch
                rows[index] = failed_row(
                    files[index][0], files[index][2], f"grader error ({type(exc).__name__}: {exc})"
                )
            report(index, rows[index])
    return broken


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")  # the kernels share the cores with each other
    # the kernels import this repository's convutil (its checks), whatever else is installed
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    files = submitted_files(args.submissions, (args.csv, args.csv.with_suffix(".checks.csv"), args.feedback))
    if files and all(path is None or path.parent == args.submissions for _, path, _ in files):
        print(f"warning: {args.submissions} holds files but no student folders: each file is graded as a student"
              " of its own (expected SUBMISSIONS/<student>/<notebook>.ipynb)", file=sys.stderr)  # fmt: skip

    def report(index: int, row: dict) -> None:
        total = f"{row['points']:g} / {row['max_points']:g}" if row["exercise"] else "0"
        print(f"{row['student']}/{row['file']}: {row['exercise'] or '-'}: {total} -- {row['note']}", flush=True)

    start = time.perf_counter()
    rows = grade_batch(args.jobs, files, (args.course, args.feedback, args.timeout), report)
    write_results(rows, args.csv, args.feedback)
    print(summary(rows))
    print(
        f"graded {sum(f[1] is not None for f in files)} file(s) of {len({f[0] for f in files})} student(s) in {time.perf_counter() - start:.1f} s"
        f" -> {args.csv}, {args.csv.with_suffix('.checks.csv')}, {args.feedback}/"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
