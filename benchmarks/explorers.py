"""Time the explorers' live updates against a naive rebuild of the same figure.

Every explorer of :mod:`convutil.widgets` is driven through every value of
every control (one control at a time, then back to its starting value):

* **update** -- ``explorer.update(name=value)`` followed by ``explorer.to_png()``:
  the computation, the in-place change of the artists and one PNG rendered
  with Agg, exactly what the live panel does at each slider move;
* **naive rebuild** -- what an ``ipywidgets.interact`` callback that builds the
  figure from scratch would do: a brand-new explorer from the same factory with
  the same state (:func:`naive`), rendered the way IPython's inline backend
  renders a figure (``IPython.core.pylabtools.print_figure(fig, "png",
  bbox_inches="tight")``), at the same resolution;
* **live display** -- what a student waits for when a notebook cell shows an
  explorer: the factory call and the live widget's display bundle
  (``_repr_mimebundle_``), in a process where the book build's
  ``CONVUTIL_STATIC_EXPLORERS`` is not set. Timed once per explorer, after a
  warm-up display (imports and font caches, paid once per kernel).

The two are interleaved change by change, so both see the same machine load;
compare their ratio rather than absolute times on a busy machine. Both wall
time and this process's CPU time are reported. The last lines read
``median update X ms, naive rebuild Y ms`` (wall time, medians over all changes
of all explorers) and ``live display: ...`` (seconds per explorer).

Usage: ``python benchmarks/explorers.py [--quick]``
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread: no oversubscription on a shared machine
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from IPython.core.pylabtools import print_figure  # noqa: E402

from convutil import widgets  # noqa: E402

FACTORIES = {
    "conv_explorer": widgets.conv_explorer,
    "type_comparer": widgets.type_comparer,
    "output_size_explorer": widgets.output_size_explorer,
    "pooling_explorer": widgets.pooling_explorer,
}


def sweep(explorer) -> list[dict]:
    """Every value of every control, one control at a time, back to the start after each."""
    start = explorer.state
    changes = []
    for name, spec in explorer.specs.items():
        changes += [{name: v} for v in spec.values if v != start[name]]
        changes.append({name: start[name]})
    return changes


def timed(fn, *args):
    w0, c0 = time.perf_counter(), time.process_time()
    fn(*args)
    return (time.perf_counter() - w0) * 1e3, (time.process_time() - c0) * 1e3


def update(explorer, change):
    explorer.update(**change)
    explorer.to_png()


def naive(factory, explorer):
    """Build the explorer afresh in the same state (the default inputs) and render it as IPython would."""
    fresh = factory(**explorer.state)
    print_figure(fresh.figure, "png", bbox_inches="tight")


def live_display(factory) -> float:
    """Seconds from the factory call to the live widget's display bundle (no kernel-free frames)."""
    os.environ.pop(widgets.STATIC_ENV, None)
    start = time.perf_counter()
    bundle = factory()._repr_mimebundle_()
    elapsed = time.perf_counter() - start
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "text/html" not in bundle
    return elapsed


def main(quick: bool = False):
    rows = []
    all_update, all_naive = [], []
    live_display(widgets.conv_explorer)  # warm-up: imports and caches a kernel pays once
    live = {name: live_display(factory) for name, factory in FACTORIES.items()}
    for name, factory in FACTORIES.items():
        explorer = factory()
        explorer.to_png()  # first render (not timed), as when the panel is first shown
        changes = sweep(explorer)
        if quick:
            changes = changes[::4]
        update_t, naive_t = [], []
        for change in changes:
            update_t.append(timed(update, explorer, change))
            naive_t.append(timed(naive, factory, explorer))
        uw, uc = np.median(update_t, axis=0)
        nw, nc = np.median(naive_t, axis=0)
        rows.append((name, len(changes), uw, uc, nw, nc))
        all_update += [t[0] for t in update_t]
        all_naive += [t[0] for t in naive_t]
    print(f"python {platform.python_version()}, matplotlib {matplotlib.__version__}, numpy {np.__version__}")
    if hasattr(os, "getloadavg"):
        print("load average (1, 5, 15 min): " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))
    print(f"{'explorer':<22}{'changes':>8}{'update wall/cpu ms':>22}{'naive wall/cpu ms':>22}{'speed-up':>10}")
    for name, n, uw, uc, nw, nc in rows:
        print(f"{name:<22}{n:>8}{uw:>13.1f} /{uc:>6.1f}{nw:>13.1f} /{nc:>6.1f}{nw / uw:>9.1f}x")
    med_u, med_n = statistics.median(all_update), statistics.median(all_naive)
    print(f"all explorers: {len(all_update)} changes, speed-up of the medians {med_n / med_u:.1f}x")
    print(f"median update {med_u:.1f} ms, naive rebuild {med_n:.1f} ms")
    print("live display: " + ", ".join(f"{name} {t:.2f} s" for name, t in live.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time every 4th change only")
    main(parser.parse_args().quick)
