"""Time convutil's convolutions and pooling against a textbook loop and PyTorch.

Run ``python benchmarks/conv.py`` (about a minute). It prints, per shape, the
median time of convutil, of PyTorch on the CPU (when installed) and of a
textbook loop implementation, their ratios, and the achieved GFLOP/s
(2 * multiply-accumulates / time) beside NumPy's own float32 matrix product
GFLOP/s on this machine (the practical ceiling of any NumPy formulation).
Everything is float32. ``--strategies`` also times the alternative
formulations tried while choosing convutil's (see README.md).

It then times the seeds' full-size example (1337 maps of 42 x 314 and a
3 x 4 x 5 filter, as a 3D convolution and as a convolution layer, forward and
backward) beside PyTorch, with the peak extra memory of one call of each,
measured in a fresh subprocess (``ru_maxrss`` after the call minus before it).
``--seed-only`` runs just that part (about a minute).

NumPy's BLAS runs one thread unless ``OPENBLAS_NUM_THREADS`` (or
``OMP_NUM_THREADS``) says otherwise, and PyTorch is given the same number of
threads (``torch.set_num_threads``): on a shared 2-core machine one thread each
gives reproducible ratios; ``OPENBLAS_NUM_THREADS=2 python benchmarks/conv.py``
uses both cores. Timings on a shared machine are noisy: every repeat times the
contenders back to back and the median of the repeats is reported, so compare
ratios within one run rather than absolute times across runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS; see the docstring

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402

import convutil  # noqa: E402
from convutil import conv_macs  # noqa: E402

try:
    import torch
except ImportError:  # the comparison is optional
    torch = None

# (name, kind, input shape, weight shape or pooling kernel, keyword arguments)
SHAPES = [
    ("course: 1x28x28 -> 8 maps 3x3", "conv", (1, 28, 28), (8, 1, 3, 3), {}),
    ("course: 8x28x28 -> 16 maps 5x5", "conv", (8, 28, 28), (16, 8, 5, 5), {}),
    ("VGG conv1 3x224x224 -> 64 3x3 p1", "conv", (3, 224, 224), (64, 3, 3, 3), {"padding": 1}),
    ("ResNet block N=8 64x56x56 -> 64 3x3 p1", "conv", (8, 64, 56, 56), (64, 64, 3, 3), {"padding": 1}),
    ("256x28x28 -> 256 3x3 p1", "conv", (256, 28, 28), (256, 256, 3, 3), {"padding": 1}),
    ("GoogLeNet 1x1 192x28x28 -> 64", "conv", (192, 28, 28), (64, 192, 1, 1), {}),
    ("MobileNet depthwise 32x112x112 3x3 p1", "conv", (32, 112, 112), (32, 1, 3, 3), {"padding": 1, "groups": 32}),
    ("stride 2: 64x56x56 -> 128 3x3 p1", "conv", (64, 56, 56), (128, 64, 3, 3), {"padding": 1, "stride": 2}),
    ("max-pool 64x112x112 k3 s2 p1", "pool", (64, 112, 112), 3, {"stride": 2, "padding": 1}),
]
COURSE = {SHAPES[0][0], SHAPES[1][0]}


# ---------------------------------------------------------------------------
# The textbook loop implementation (the corr2d of teaching books)
# ---------------------------------------------------------------------------


def corr2d(x, k, stride=1):
    """One map, one kernel: a Python loop over output pixels, one window product each."""
    h, w = k.shape
    out = np.zeros(((x.shape[0] - h) // stride + 1, (x.shape[1] - w) // stride + 1), dtype=x.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i * stride : i * stride + h, j * stride : j * stride + w] * k).sum()
    return out


def loop_conv2d(x, weight, stride=1, padding=0, groups=1, out_channels=None, rows=None):
    """Textbook multi-channel convolution: for every output map, the sum of corr2d over its input maps.

    ``out_channels`` and ``rows`` restrict the work to a subsample (for extrapolation).
    """
    x = np.pad(x, [(0, 0), (padding, padding), (padding, padding)])
    if rows is not None:
        x = x[:, : (rows - 1) * stride + weight.shape[2]]
    per_group_out = weight.shape[0] // groups
    maps = []
    for o in range(out_channels or weight.shape[0]):
        g = o // per_group_out
        channels = range(g * weight.shape[1], (g + 1) * weight.shape[1])
        maps.append(sum(corr2d(x[c], weight[o, c - g * weight.shape[1]], stride) for c in channels))
    return np.stack(maps)


def time_loop(x, weight, kwargs, budget):
    """Time the loop reference; on big shapes time a subsample and extrapolate. Returns (seconds, label)."""
    if x.ndim == 4:  # a batch: the loop reference handles one example, the total scales with N
        seconds, label = time_loop(x[0], weight, kwargs, budget / x.shape[0])
        return seconds * x.shape[0], label
    stride, padding, groups = kwargs.get("stride", 1), kwargs.get("padding", 0), kwargs.get("groups", 1)
    out_rows = convutil.conv_output_size(x.shape[1], weight.shape[2], stride, padding)
    work = weight.shape[0] * out_rows
    start = time.perf_counter()
    loop_conv2d(x, weight, stride, padding, groups, out_channels=1, rows=1)
    one = time.perf_counter() - start  # one output row of one map
    if one * work <= budget:
        start = time.perf_counter()
        loop_conv2d(x, weight, stride, padding, groups)
        return time.perf_counter() - start, "measured"
    channels = max(1, min(weight.shape[0], int(budget / (one * out_rows))))
    rows = max(1, min(out_rows, int(budget / (one * channels))))
    start = time.perf_counter()
    loop_conv2d(x, weight, stride, padding, groups, out_channels=channels, rows=rows)
    elapsed = time.perf_counter() - start
    return elapsed * work / (channels * rows), f"extrapolated from {channels} map(s) x {rows} row(s)"


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def blas_threads():
    """NumPy's BLAS threads: OpenBLAS uses the available cores unless told otherwise."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name]), name
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(), "cores available"


def median_times(functions, repeats, min_total=0.3):
    """Median seconds of each function; each repeat runs them back to back (fair under shared load)."""
    for f in functions:  # warm up (first-call set-up, caches)
        f()
    samples = [[] for _ in functions]
    start = time.perf_counter()
    for r in range(100):
        for f, times in zip(functions, samples):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        if r + 1 >= repeats and time.perf_counter() - start > min_total:
            break
    return [float(np.median(t)) for t in samples]


def matmul_gflops(repeats):
    a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
    (seconds,) = median_times([partial(np.matmul, a, a)], repeats)
    return 2 * 1024**3 / seconds / 1e9


def run(repeats, loop_budget, strategies):
    threads, source = blas_threads()
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}, {os.cpu_count()} cores")
    print(f"NumPy BLAS threads: {threads} ({source})")
    if torch is not None:
        torch.set_num_threads(threads)
        print(f"PyTorch {torch.__version__}, torch.set_num_threads({threads}) to match NumPy's BLAS")
    else:
        print("PyTorch not installed: its column stays empty")
    ceiling = matmul_gflops(repeats)
    print(f"NumPy float32 1024x1024 matmul: {ceiling:.0f} GFLOP/s (the ceiling)\n")

    rng = np.random.default_rng(0)
    head = f"{'shape':40s} {'convutil':>10s} {'PyTorch':>10s} {'ratio':>6s} {'loop':>10s} {'speed-up':>9s} {'GFLOP/s':>8s} {'torch':>6s}"
    print(head)
    print("-" * len(head))
    ratios, notes = {}, []
    for name, kind, x_shape, w_shape, kwargs in SHAPES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        if kind == "conv":
            w = rng.standard_normal(w_shape).astype(np.float32)
            ours = partial(convutil.conv2d, x, w, **kwargs)
            c_out, c_group, kh, kw = w_shape
            out_hw = ours().shape[-2:]
            batch = x_shape[0] if len(x_shape) == 4 else 1
            groups = kwargs.get("groups", 1)
            flops = 2 * batch * conv_macs(c_group * groups, c_out, (kh, kw), tuple(out_hw), groups=groups)
        else:
            ours = partial(convutil.max_pool2d, x, w_shape, **kwargs)
            flops = None
        contenders = [ours]
        if torch is not None:
            tx = torch.from_numpy(x)
            if kind == "conv":
                theirs = partial(torch.nn.functional.conv2d, tx, torch.from_numpy(w), **kwargs)
            else:
                theirs = partial(torch.nn.functional.max_pool2d, tx, w_shape, **kwargs)
            np.testing.assert_allclose(ours(), theirs().numpy(), rtol=1e-3, atol=1e-3)  # same answer first
            contenders.append(theirs)
        seconds = median_times(contenders, repeats)
        t_ours = seconds[0]
        t_torch = seconds[1] if torch is not None else math.nan
        ratios[name] = t_ours / t_torch
        if kind == "conv":
            # course shapes: the whole loop is timed; real networks: a subsample, extrapolated
            t_loop, how = time_loop(x, w, kwargs, budget=loop_budget if name in COURSE else 0.25)
            if how != "measured":
                notes.append(f"  loop time for '{name}' {how}")
        else:
            t_loop = math.nan
        speedup = t_loop / t_ours
        gflops = f"{flops / t_ours / 1e9:8.1f}" if flops else f"{'-':>8s}"
        gflops_torch = f"{flops / t_torch / 1e9:6.1f}" if flops and torch is not None else f"{'-':>6s}"
        loop_text = f"{t_loop * 1e3:8.1f}ms" if not math.isnan(t_loop) else f"{'-':>10s}"
        speed_text = f"{speedup:8.0f}x" if not math.isnan(speedup) else f"{'-':>9s}"
        torch_text = f"{t_torch * 1e3:8.3f}ms {ratios[name]:6.2f}" if torch is not None else f"{'-':>10s} {'-':>6s}"
        print(f"{name:40s} {t_ours * 1e3:8.3f}ms {torch_text} {loop_text} {speed_text} {gflops} {gflops_torch}")
    print("\n".join(notes))
    if torch is not None:
        geomean = math.exp(np.mean(np.log(list(ratios.values()))))
        worst = max(ratios, key=ratios.get)
        print(f"\ngeometric mean time ratio convutil/PyTorch: {geomean:.2f} (target <= 1.5)")
        print(f"worst shape: {worst} at {ratios[worst]:.2f}x (target <= 3)")
    if strategies:
        compare_strategies(repeats)


# ---------------------------------------------------------------------------
# Strategies tried (benchmark-only code: convutil keeps the fastest correct one)
# ---------------------------------------------------------------------------


def _padded_flat(x, p, extra):
    """(N, C, Hp*Wp + extra) zero-padded copy, so every kernel tap is one contiguous slice."""
    n, c, h, w = x.shape
    flat = np.zeros((n, c, (h + 2 * p) * (w + 2 * p) + extra), x.dtype)
    flat[:, :, : (h + 2 * p) * (w + 2 * p)].reshape(n, c, h + 2 * p, w + 2 * p)[:, :, p : p + h, p : p + w] = x
    return flat


def per_tap_matmul(x, w, p):
    """Shift-and-add with one matmul per kernel tap over row-extended positions (stride 1, groups 1)."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    wp = wd + 2 * p
    ho, wo = h + 2 * p - kh + 1, wp - kw + 1
    flat, length, out = _padded_flat(x, p, kw - 1), ho * wp, None
    for i in range(kh):
        for j in range(kw):
            part = np.matmul(w[:, :, i, j], flat[:, :, i * wp + j : i * wp + j + length])
            out = part if out is None else np.add(out, part, out=out)
    return np.ascontiguousarray(out.reshape(n, o, ho, wp)[..., :wo])


def flat_im2col(x, w, p):
    """im2col from contiguous tap slices over row-extended positions, one matmul, then crop."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    wp = wd + 2 * p
    ho, wo = h + 2 * p - kh + 1, wp - kw + 1
    flat, length = _padded_flat(x, p, kw - 1), ho * wp
    cols = np.empty((n, c, kh * kw, length), x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i * kw + j] = flat[:, :, i * wp + j : i * wp + j + length]
    out = np.matmul(w.reshape(o, -1), cols.reshape(n, -1, length))
    return np.ascontiguousarray(out.reshape(n, o, ho, wp)[..., :wo])


def einsum_windows(x, w, p):
    """np.einsum over the sliding-window view (no explicit im2col)."""
    from numpy.lib.stride_tricks import sliding_window_view

    xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    return np.einsum("nchwij,ocij->nohw", sliding_window_view(xp, w.shape[2:], axis=(2, 3)), w, optimize=True)


def depthwise_im2col(x, w, p):
    """Depthwise as a batched matrix product: per map, (1, 9) @ (9, H*W) after an im2col copy."""
    from numpy.lib.stride_tricks import sliding_window_view

    n, c = x.shape[:2]
    xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))  # (N, C, Ho, Wo, kh, kw)
    ho, wo = win.shape[2:4]
    cols = np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(n, c, -1, ho * wo)
    return np.matmul(w.reshape(1, c, 1, -1), cols).reshape(n, c, ho, wo)


def depthwise_einsum(x, w, p):
    """Depthwise with np.einsum over the sliding-window view (a stride-trick sum)."""
    from numpy.lib.stride_tricks import sliding_window_view

    xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    return np.einsum("nchwij,cij->nchw", sliding_window_view(xp, w.shape[2:], axis=(2, 3)), w[:, 0])


def depthwise_windows(x, w, p):
    """Depthwise shift-and-add on 2D strided views of the padded maps (no flattening)."""
    n, c, h, wd = x.shape
    kh, kw = w.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    ho, wo = h + 2 * p - kh + 1, wd + 2 * p - kw + 1
    out = np.zeros((n, c, ho, wo), x.dtype)
    tmp = np.empty_like(out)
    for i in range(kh):
        for j in range(kw):
            np.multiply(xp[:, :, i : i + ho, j : j + wo], w[:, 0, i, j].reshape(c, 1, 1), out=tmp)
            out += tmp
    return out


def compare_strategies(repeats):
    rng = np.random.default_rng(0)
    print("\nStrategies (float32, stride 1; median ms; every result checked against convutil.conv2d)")
    dense = [
        ("course: 8x28x28 -> 16 5x5", (1, 8, 28, 28), (16, 8, 5, 5), 0),
        ("VGG conv1 3x224x224 -> 64 p1", (1, 3, 224, 224), (64, 3, 3, 3), 1),
        ("ResNet N=8 64x56x56 -> 64 p1", (8, 64, 56, 56), (64, 64, 3, 3), 1),
        ("256x28x28 -> 256 p1", (1, 256, 28, 28), (256, 256, 3, 3), 1),
    ]
    names = ["convutil (view + 1 matmul)", "per-tap matmul", "flat im2col + crop", "einsum (optimize)"]
    print(f"{'shape':32s} " + " ".join(f"{n:>26s}" for n in names))
    for label, xs, ws, p in dense:
        x, w = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)
        fs = [
            partial(convutil.conv2d, x, w, padding=p),
            partial(per_tap_matmul, x, w, p),
            partial(flat_im2col, x, w, p),
            partial(einsum_windows, x, w, p),
        ]
        want = fs[0]()
        for f in fs[1:]:
            np.testing.assert_allclose(f(), want, rtol=1e-3, atol=1e-3)
        times = median_times(fs, repeats)
        print(f"{label:32s} " + " ".join(f"{t * 1e3:24.3f}ms" for t in times))
    names = ["convutil (flat shift-add)", "im2col batched matmul", "einsum (stride trick)", "2D-view shift-and-add"]
    print(f"\n{'depthwise shape':32s} " + " ".join(f"{n:>26s}" for n in names))
    for label, xs, p in [
        ("MobileNet 32x112x112 3x3 p1", (1, 32, 112, 112), 1),
        ("N=8 64x56x56 3x3 p1", (8, 64, 56, 56), 1),
    ]:
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal((xs[1], 1, 3, 3)).astype(np.float32)
        fs = [
            partial(convutil.conv2d, x, w, padding=p, groups=xs[1]),
            partial(depthwise_im2col, x, w, p),
            partial(depthwise_einsum, x, w, p),
            partial(depthwise_windows, x, w, p),
        ]
        want = fs[0]()
        for f in fs[1:]:
            np.testing.assert_allclose(f(), want, rtol=1e-3, atol=1e-3)
        times = median_times(fs, repeats)
        print(f"{label:32s} " + " ".join(f"{t * 1e3:24.3f}ms" for t in times))


# ---------------------------------------------------------------------------
# The seeds' full-size example: time beside PyTorch, and peak extra memory
# ---------------------------------------------------------------------------

# (label, operation, x shape, weight shape, dtype): 1337 maps of 42 x 314 (seed 001/002, Bonus question 2)
SEED_CASES = [
    ("3D conv: 1x1337x42x314 * 3x4x5, float32", "conv3d", (1, 1, 1337, 42, 314), (1, 1, 3, 4, 5), "float32"),
    ("3D conv: 1x1337x42x314 * 3x4x5, float64", "conv3d", (1, 1, 1337, 42, 314), (1, 1, 3, 4, 5), "float64"),
    ("conv layer: 1337x42x314 * 1x1337x4x5, float32", "conv2d", (1, 1337, 42, 314), (1, 1337, 4, 5), "float32"),
    ("conv layer backward, same shapes, float32", "conv2d_backward", (1, 1337, 42, 314), (1, 1337, 4, 5), "float32"),
]
TORCH_FLOAT64_3D = "PyTorch's float64 conv3d took 12-46 s and 7.5 GB here: skipped unless --torch-float64"


def seed_call(case, library):
    """A function of no arguments that runs one seed case once with ``library`` ("convutil" or "torch")."""
    _, operation, x_shape, w_shape, dtype = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32).astype(dtype, copy=False)
    w = rng.standard_normal(w_shape, dtype=np.float32).astype(dtype, copy=False)
    out_shape = (1, w_shape[0], *(convutil.conv_output_size(n, k) for n, k in zip(x_shape[2:], w_shape[2:])))
    g = rng.standard_normal(out_shape, dtype=np.float32).astype(dtype, copy=False)
    if library == "convutil":
        if operation == "conv2d_backward":
            return partial(convutil.conv2d_backward, g, x, w)
        return partial(getattr(convutil, operation), x, w)
    tx, tw, tg = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(g)
    if operation == "conv2d_backward":  # the kernel autograd runs for conv2d, without the forward pass
        args = ([w_shape[0]], [1, 1], [0, 0], [1, 1], False, [0, 0], 1, [True, True, True])
        return partial(torch.ops.aten.convolution_backward, tg, tx, tw, *args)
    return partial(getattr(torch.nn.functional, operation), tx, tw)


def peak_extra_mb(index, library):
    """Run one call in a fresh process; its peak resident memory beyond the inputs, in MB."""
    command = [sys.executable, __file__, "--memory-of", str(index), library]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def peak_rss_kb(reset=False):
    """This process's peak resident memory in kB; ``reset`` first lowers the peak to the current size.

    Linux keeps a parent's peak in a child's ``ru_maxrss`` across fork and exec,
    so the peak is read from ``/proc/self/status`` after clearing it (Linux >= 4.0).
    """
    try:
        if reset:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except OSError:  # not Linux: the lifetime peak, which is right when the parent was small
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure_memory(index, library):
    """Subprocess side of :func:`peak_extra_mb`: prints the peak RSS growth (MB) of one call."""
    if torch is not None:
        torch.set_num_threads(blas_threads()[0])
    call = seed_call(SEED_CASES[index], library)
    before = peak_rss_kb(reset=True)
    call()
    print((peak_rss_kb() - before) / 1024)


def seed_example(repeats, torch_float64):
    """Time the seed cases beside PyTorch and measure the peak extra memory of each."""
    print("\nThe seeds' full-size example (median of the repeats; memory: peak extra RSS of one call)")
    head = f"{'case':48s} {'convutil':>9s} {'PyTorch':>9s} {'ratio':>6s} {'convutil MiB':>12s} {'PyTorch MiB':>11s}"
    print(head)
    print("-" * len(head))
    for index, case in enumerate(SEED_CASES):
        libraries = ["convutil"]
        if torch is not None and (case[4] == "float32" or torch_float64):
            libraries.append("torch")
        calls = [seed_call(case, library) for library in libraries]
        if len(calls) == 2:
            ours, theirs = calls[0](), calls[1]()
            ours, theirs = (ours, theirs) if case[1] != "conv2d_backward" else (ours[1], theirs[1])
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-3, atol=1e-2)  # same answer first
            del ours, theirs
        seconds = median_times(calls, repeats, min_total=0)
        memory = [peak_extra_mb(index, library) for library in libraries]
        theirs = f"{seconds[1]:8.2f}s {seconds[0] / seconds[1]:6.2f}" if len(calls) == 2 else f"{'-':>9s} {'-':>6s}"
        their_memory = f"{memory[1]:11.0f}" if len(calls) == 2 else f"{'-':>11s}"
        print(f"{case[0]:48s} {seconds[0]:8.2f}s {theirs} {memory[0]:12.0f} {their_memory}")
    if not torch_float64:
        print(f"  {TORCH_FLOAT64_3D}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed repeats per shape (median reported)")
    parser.add_argument(
        "--loop-budget", type=float, default=3.0, help="seconds the loop reference may take on a course shape"
    )
    parser.add_argument("--strategies", action="store_true", help="also time the alternative formulations")
    parser.add_argument("--seed-only", action="store_true", help="time only the seeds' full-size example")
    parser.add_argument("--torch-float64", action="store_true", help="also time PyTorch's (slow) float64 conv3d")
    parser.add_argument("--memory-of", nargs=2, metavar=("CASE", "LIBRARY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_of:
        measure_memory(int(args.memory_of[0]), args.memory_of[1])
        return
    if not args.seed_only:
        run(args.repeats, args.loop_budget, args.strategies)
    seed_example(min(args.repeats, 3), args.torch_float64)


if __name__ == "__main__":
    main()
