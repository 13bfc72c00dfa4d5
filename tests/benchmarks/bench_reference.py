"""Benchmark of the reference implementation (``ffnn.reference``): run as a script, not collected by pytest.

    .venv/bin/python tests/benchmarks/bench_reference.py [--quick] [--no-torch] [--repeats N] [--threads N]

Everything is measured in one run, so the ratios are meaningful on a noisy machine:

1. Training-step time (forward + backward + parameter update, float64, one full-batch gradient-descent step) of
   the reference against PyTorch CPU on the same networks, with the same initial values and the same number of
   threads. Also shown: the same reference step with the input checks switched off and a bare NumPy step written
   here with the same equations (what NumPy itself can reach), and a phase breakdown of the reference step.
   Goal: reference / PyTorch <= 1.10.  PyTorch is optional (``.venv/bin/pip install torch==2.13.0``).
2. Achieved GFLOP/s of the reference step on the largest network against this machine's float64 matmul speed.
   Goal: >= 70 %.
3. A Python loop over the examples against the vectorized ``forward``.  Goal: >= 100x.

Timing: warm-up, then blocks of steps timed with ``time.perf_counter``; the implementations' blocks are
interleaved (in alternating order) and each result is the median over the repeats.  PyTorch gets as many threads
as NumPy's BLAS (``--threads N`` sets both).  A machine check up front compares 1 thread with all of them on a
large and a small matmul: when other work keeps the cores busy, multi-threaded timings become erratic, and the
benchmark says so.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import time

import numpy as np

try:
    import resource
except ImportError:  # not on Windows: page faults are then reported as 0
    resource = None

from ffnn import validation
from ffnn.reference.activations import ACTIVATIONS
from ffnn.reference.network import backward, compute_cost, forward, initialize_parameters, train, update_parameters

TORCH_PIN = "torch==2.13.0"
LEARNING_RATE = 0.01

#: (label, layer_dims, hidden activation, output activation, cost, m, init)
NETWORKS = [
    ("[2,4,1] tanh/sigmoid", [2, 4, 1], "tanh", "sigmoid", "binary", 400, "xavier"),
    ("[2,64,64,1] relu/sigmoid", [2, 64, 64, 1], "relu", "sigmoid", "binary", 1000, "he"),
    ("[784,128,64,10] relu/softmax", [784, 128, 64, 10], "relu", "softmax", "categorical", 1024, "he"),
]

#: Networks for the loop-over-examples comparison: (label, layer_dims, hidden, output, init)
LOOP_NETWORKS = [
    ("[2,4,1] tanh/sigmoid", [2, 4, 1], "tanh", "sigmoid", "xavier"),
    ("[2,64,64,1] relu/sigmoid", [2, 64, 64, 1], "relu", "sigmoid", "he"),
]
LOOP_M = 10_000


# Formatting ----------------------------------------------------------------------------------------------------

def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:7.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:7.2f} ms"
    return f"{seconds:7.2f} s "


def table(headers, rows, aligns=None) -> str:
    aligns = aligns or ["<"] + [">"] * (len(headers) - 1)
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(cells, aligns, widths))  # noqa: E731
    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join("  " + s for s in out)


def section(title: str) -> None:
    print()
    print("=" * 100)
    print(title)
    print("=" * 100)


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# Environment ---------------------------------------------------------------------------------------------------

def blas_info() -> tuple[str, int | None]:
    """A one-line summary of NumPy's BLAS and the number of threads it uses (None if unknown)."""
    try:
        from threadpoolctl import threadpool_info
        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if blas:
            b = blas[0]
            summary = (f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')}, "
                       f"{b.get('threading_layer')} threading, {os.path.basename(b.get('filepath', ''))})")
            return summary, int(b["num_threads"])
    except Exception:  # threadpoolctl missing or failing: fall back to the build configuration
        pass
    summary = "unknown"
    try:
        config = np.show_config(mode="dicts")
        b = config["Build Dependencies"]["blas"]
        summary = f"{b.get('name')} {b.get('version')} (from numpy build config)"
    except Exception:
        pass
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return summary, int(os.environ[var])
    return summary, None


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load_average() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3]) + " (1, 5, 15 min; other busy processes make timings noisy)"
    except OSError:
        return "unknown"


def import_torch(disabled: bool):
    if disabled:
        return None
    try:
        import torch
        return torch
    except ImportError:
        return None


# Timing --------------------------------------------------------------------------------------------------------

def calibrate(run, target: float) -> int:
    """The number of calls of ``run(1)`` that take at least ``target`` seconds (after one warm-up call)."""
    run(1)
    n = 1
    while True:
        t0 = time.perf_counter()
        run(n)
        elapsed = time.perf_counter() - t0
        if elapsed >= target or n >= 1 << 20:
            return max(1, int(np.ceil(n * target / max(elapsed, 1e-9))))
        n *= 2 if elapsed < target / 4 else int(np.ceil(target / max(elapsed, 1e-9))) + 1


def _minor_faults() -> int:
    """Minor page faults of this process so far (0 where ``resource`` is missing)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource is not None else 0


def measure(runs: dict, repeats: int, target: float, warmup: int = 2, families: dict | None = None,
            settle: float = 0.15, faults: dict | None = None) -> dict:
    """Interleaved timing.  ``runs`` maps a name to ``run(n)``, which does n steps.

    Returns {name: list of seconds per step, one per repeat}.  The order alternates every repeat.  If ``faults``
    is a dict, it receives {name: median minor page faults per step}.
    ``families`` maps a name to its thread pool ("numpy" unless given).  Before a block whose family differs from
    the previous block's, the benchmark sleeps ``settle`` seconds: OpenBLAS's idle workers busy-wait for about
    0.1 s after each call (and OpenMP's for a shorter time), and a block started inside that window competes with
    the other library's spinning threads for the cores (measured here: PyTorch steps 2x slower right after a NumPy
    matmul).  Each library then runs as it would alone, while the interleaving still cancels slow drift.
    """
    families = families or {}
    previous = [None]
    fault_counts = {name: [] for name in runs}

    def block(name, n):
        family = families.get(name, "numpy")
        if previous[0] is not None and family != previous[0]:
            time.sleep(settle)
        previous[0] = family
        f0 = _minor_faults()
        t0 = time.perf_counter()
        runs[name](n)
        elapsed = time.perf_counter() - t0
        if n:
            fault_counts[name].append((_minor_faults() - f0) / n)
        return elapsed

    sizes = {}
    for name, run in runs.items():
        block(name, 0)
        sizes[name] = calibrate(run, target)
        for _ in range(warmup):
            block(name, sizes[name])
    times = {name: [] for name in runs}
    names = list(runs)
    for name in names:
        fault_counts[name].clear()
    for r in range(repeats):
        for name in (names if r % 2 == 0 else names[::-1]):
            times[name].append(block(name, sizes[name]) / sizes[name])
    if faults is not None:
        faults.update({name: med(counts) for name, counts in fault_counts.items()})
    return times


def repeat_call(fn, *args):
    """``run(n)`` calling ``fn(*args)`` n times (results discarded)."""
    def run(n):
        for _ in range(n):
            fn(*args)
    return run


def med(samples) -> float:
    return statistics.median(samples)


def spread(samples) -> float:
    """Interquartile range relative to the median (a noise indicator)."""
    if len(samples) < 4:
        return (max(samples) - min(samples)) / med(samples)
    q = statistics.quantiles(samples, n=4)
    return (q[2] - q[0]) / med(samples)


@contextlib.contextmanager
def checks_off():
    """Skip the input checks of every ``@validated`` function (they skip when ``_depth`` is non-zero)."""
    validation._depth += 1
    try:
        yield
    finally:
        validation._depth -= 1


def checks_can_be_switched_off(n0: int) -> bool:
    """Whether ``checks_off`` works with this version of ``ffnn.validation`` (it relies on a private counter)."""
    if not hasattr(validation, "_depth"):
        return False
    params = initialize_parameters([n0, 1], "he", 0)
    bad = np.full((n0, 1), np.nan)
    try:
        with checks_off(), np.errstate(all="ignore"):
            forward(bad, params, ["sigmoid"])  # raises InputError (NaN in X) unless the checks are really off
    except Exception:
        return False
    return True


# Data and the implementations ----------------------------------------------------------------------------------

def make_data(dims, cost, m, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m))
    if cost == "categorical":
        labels = rng.integers(0, dims[-1], m)
        Y = np.zeros((dims[-1], m))
        Y[labels, np.arange(m)] = 1.0
    else:
        labels = None
        Y = (rng.random((dims[-1], m)) < 0.5).astype(float)
    return X, Y, labels


def reference_runner(parameters, X, Y, activations, cost, checked=True):
    """``run(n)`` doing n reference steps (forward, backward, update_parameters) from the current state."""
    state = {"p": dict(parameters)}

    def run(n):
        p = state["p"]
        for _ in range(n):
            AL, caches = forward(X, p, activations)
            grads = backward(AL, Y, caches, activations, cost)
            p = update_parameters(p, grads, LEARNING_RATE)
        state["p"] = p

    if checked:
        return run

    def run_unchecked(n):
        with checks_off():
            run(n)

    return run_unchecked


def train_runner(parameters, X, Y, layer_dims, activations, cost):
    """``run(n)``: one call of the reference ``train`` for n iterations (checked once per call, and it also
    computes the cost from the logits every iteration)."""
    state = {"p": dict(parameters)}

    def run(n):
        if n:
            state["p"], _ = train(X, Y, layer_dims, activations, cost, learning_rate=LEARNING_RATE,
                                  num_iterations=n, parameters=state["p"])

    return run


def bare_grads(Ws, bs, X, Y, hidden, output):
    """Forward and backward with the same equations as the reference, written directly in NumPy (no checks, no
    dicts).  The output activation matches the cost, so dZ[L] = (A[L] - Y) / m (eq. 22)."""
    m = X.shape[1]
    L = len(Ws)
    As, Zs = [X], []
    for l in range(L):
        Z = Ws[l] @ As[-1]
        Z += bs[l]
        name = hidden if l < L - 1 else output
        if name == "relu":
            A = np.maximum(Z, 0.0)
        elif name == "tanh":
            A = np.tanh(Z)
        elif name == "sigmoid":
            A = np.tanh(0.5 * Z)
            A += 1.0
            A *= 0.5
        else:  # softmax
            A = np.exp(Z - Z.max(axis=0, keepdims=True))
            A /= A.sum(axis=0, keepdims=True)
        Zs.append(Z)
        As.append(A)
    dZ = (As[-1] - Y) / m
    dWs, dbs = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        dWs[l] = dZ @ As[l].T
        dbs[l] = dZ.sum(axis=1, keepdims=True)
        if l > 0:
            dA = Ws[l].T @ dZ
            if hidden == "relu":
                dA *= Zs[l - 1] > 0
            else:  # tanh
                dA *= 1.0 - As[l] * As[l]
            dZ = dA
    return As[-1], dWs, dbs


def bare_runner(parameters, X, Y, hidden, output):
    L = len(parameters) // 2
    Ws = [parameters[f"W{l}"].copy() for l in range(1, L + 1)]
    bs = [parameters[f"b{l}"].copy() for l in range(1, L + 1)]

    def run(n):
        for _ in range(n):
            _, dWs, dbs = bare_grads(Ws, bs, X, Y, hidden, output)
            for W, dW, b, db in zip(Ws, dWs, bs, dbs):
                W -= LEARNING_RATE * dW
                b -= LEARNING_RATE * db

    return run


class TorchNet:
    """The same network in idiomatic PyTorch: rows are examples, nn.Linear layers, loss from the logits."""

    def __init__(self, torch, parameters, X, Y, labels, hidden, cost):
        self.torch = torch
        nn, F = torch.nn, torch.nn.functional
        L = len(parameters) // 2
        layers = []
        for l in range(1, L + 1):
            W, b = parameters[f"W{l}"], parameters[f"b{l}"]
            linear = nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(W))
                linear.bias.copy_(torch.from_numpy(b[:, 0]))
            layers.append(linear)
            if l < L:
                layers.append(nn.ReLU() if hidden == "relu" else nn.Tanh())
        self.model = nn.Sequential(*layers)
        self.params = list(self.model.parameters())
        self.linears = [layer for layer in layers if isinstance(layer, nn.Linear)]
        self.X = torch.from_numpy(np.ascontiguousarray(X.T))          # (m, n[0])
        if cost == "categorical":
            self.target = torch.from_numpy(labels.astype(np.int64))    # class indices, (m,)
            self.loss_fn = F.cross_entropy
        else:
            self.target = torch.from_numpy(np.ascontiguousarray(Y.T))  # (m, n[L])
            self.loss_fn = F.binary_cross_entropy_with_logits

    def loss_and_grads(self):
        for p in self.params:
            p.grad = None
        loss = self.loss_fn(self.model(self.X), self.target)
        loss.backward()
        return (loss.item(), [lin.weight.grad.numpy().copy() for lin in self.linears],
                [lin.bias.grad.numpy().reshape(-1, 1).copy() for lin in self.linears])

    def run(self, n):
        torch, model, X, target, loss_fn, params = (self.torch, self.model, self.X, self.target, self.loss_fn,
                                                    self.params)
        for _ in range(n):
            loss = loss_fn(model(X), target)
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p.add_(p.grad, alpha=-LEARNING_RATE)
                    p.grad = None


def max_rel_diff(a_list, b_list) -> float:
    worst = 0.0
    for a, b in zip(a_list, b_list):
        scale = max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)
        worst = max(worst, float(np.max(np.abs(a - b))) / scale)
    return worst


def step_flops(dims, m) -> tuple[int, int]:
    """Matmul FLOPs of one step: forward W[l] A[l-1] for every layer; backward dW[l] for every layer and
    W[l]^T dZ[l] for layers 2..L (the reference, like PyTorch, skips dA[0] = W[1]^T dZ[1])."""
    forward_flops = sum(2 * m * dims[l] * dims[l - 1] for l in range(1, len(dims)))
    backward_flops = forward_flops + sum(2 * m * dims[l] * dims[l - 1] for l in range(2, len(dims)))
    return forward_flops, backward_flops


# Sections ------------------------------------------------------------------------------------------------------

def section_environment(args, torch, numpy_threads):
    section("Environment")
    blas, _ = blas_info()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    rows = [
        ("python", f"{platform.python_version()} ({sys.executable})"),
        ("numpy", np.__version__),
        ("numpy BLAS", blas),
        ("BLAS threads (numpy)", numpy_threads if numpy_threads is not None else "unknown"),
        ("CPU", f"{cpu_model()}; os.cpu_count() = {os.cpu_count()}, usable by this process = {affinity}"),
        ("load average", _load_average()),
        ("thread env vars", ", ".join(f"{v}={os.environ.get(v, '-')}" for v in
                                      ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"))),
    ]
    if torch is None:
        rows.append(("torch", "not installed" if not args.no_torch else "disabled (--no-torch)"))
    else:
        backend = "?"
        for line in torch.__config__.parallel_info().splitlines():
            if line.startswith("ATen parallel backend"):
                backend = line.split(":", 1)[1].strip()
        rows.append(("torch", f"{torch.__version__}; threads set to {torch.get_num_threads()} "
                              f"(interop {torch.get_num_interop_threads()}); parallel backend {backend}; "
                              f"MKL {'yes' if torch.backends.mkl.is_available() else 'no'}"))
    rows.append(("mode", f"{'quick' if args.quick else 'full'}: {args.repeats} repeats, blocks of >= "
                         f"{args.block * 1e3:.0f} ms, {args.settle:.2f} s pause when switching NumPy <-> PyTorch, "
                         f"learning rate {LEARNING_RATE}"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    if torch is None and not args.no_torch:
        print(f"\n  PyTorch is not installed: the PyTorch column is skipped. To compare, install it into the venv:\n"
              f"      .venv/bin/pip install {TORCH_PIN}")


def machine_check(threads) -> bool:
    """How much the extra BLAS threads really help on this machine right now; False if they hurt.

    A large matmul shows the throughput; a small one (a hidden layer of [2,64,64,1]) shows the cost of making the
    threads meet.  On a virtual machine whose cores are shared with other work, a thread often waits
    milliseconds for its partner to be scheduled, and every multi-threaded timing becomes slow and erratic.
    """
    if not threads or threads < 2:
        return True
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return True
    rng = np.random.default_rng(5)
    cases = {"1024x1024 @ 1024x1024": (1024, 1024, 1024), "64x64 @ 64x1000": (64, 64, 1000)}
    lines, healthy = [], True
    for label, (p, q, r) in cases.items():
        A, B, C = rng.standard_normal((p, q)), rng.standard_normal((q, r)), np.empty((p, r))

        def square_with(k):
            def run(reps):
                with threadpool_limits(limits=k, user_api="blas"):
                    for _ in range(reps):
                        np.matmul(A, B, out=C)
            return run

        times = measure({"one": square_with(1), "all": square_with(threads)}, 5, 0.05, warmup=1)
        one, alls = (2 * p * q * r / med(times[k]) / 1e9 for k in ("one", "all"))
        speedup = alls / one
        healthy &= speedup >= (1 + 0.5 * (threads - 1) if p >= 1024 else 0.8)
        lines.append(f"  {label:>22}: 1 thread {one:5.1f} GFLOP/s, {threads} threads {alls:5.1f} GFLOP/s, "
                     f"speed-up {speedup:.2f}x (ideal {threads}x)")
    print("\n  Machine check, float64 matmul, 1 thread vs all BLAS threads:")
    print("\n".join(lines))
    if not healthy:
        print(f"  WARNING: the {threads} threads barely help or even hurt: the cores are busy with other work (or\n"
              f"  shared by the host of this virtual machine), and a thread waits for its partner to be scheduled.\n"
              f"  Multi-threaded timings (NumPy and PyTorch alike) become slow and erratic (single steps stall for\n"
              f"  10-40 ms), so they would compare the machine's scheduling rather than the implementations.")
    return healthy


def section_training_step(args, torch, checks_available):
    section("1. Training step: forward + backward + update, float64, one full-batch gradient-descent step")
    results = {}
    check_rows = []
    for label, dims, hidden, output, cost, m, init in NETWORKS:
        activations = [hidden] * (len(dims) - 2) + [output]
        parameters = initialize_parameters(dims, init, 1)
        X, Y, labels = make_data(dims, cost, m)

        # Fairness check on the first step: same loss and gradients everywhere.
        AL, caches = forward(X, parameters, activations)
        ref_loss = compute_cost(AL, Y, cost, ZL=caches[-1][1][0])
        grads = backward(AL, Y, caches, activations, cost)
        L = len(dims) - 1
        ref_dW = [grads[f"dW{l}"] for l in range(1, L + 1)]
        ref_db = [grads[f"db{l}"] for l in range(1, L + 1)]
        Ws = [parameters[f"W{l}"] for l in range(1, L + 1)]
        bs = [parameters[f"b{l}"] for l in range(1, L + 1)]
        bare_AL, bare_dW, bare_db = bare_grads(Ws, bs, X, Y, hidden, output)
        bare_diff = max(max_rel_diff(ref_dW + ref_db, bare_dW + bare_db), max_rel_diff([AL], [bare_AL]))
        check_rows.append((label, "bare NumPy", f"{ref_loss:.12f}", "-", "-", f"{bare_diff:.1e}",
                           mark(bare_diff <= 1e-10)))

        runs = {"ref": reference_runner(parameters, X, Y, activations, cost)}
        if checks_available:
            runs["ref_nochecks"] = reference_runner(parameters, X, Y, activations, cost, checked=False)
        runs["bare"] = bare_runner(parameters, X, Y, hidden, output)
        if torch is not None:
            net = TorchNet(torch, parameters, X, Y, labels, hidden, cost)
            t_loss, t_dW, t_db = net.loss_and_grads()
            loss_diff = abs(t_loss - ref_loss) / max(abs(ref_loss), 1e-300)
            grad_diff = max_rel_diff(ref_dW + ref_db, t_dW + t_db)
            check_rows.append((label, "PyTorch", f"{ref_loss:.12f}", f"{t_loss:.12f}", f"{loss_diff:.1e}",
                               f"{grad_diff:.1e}", mark(loss_diff <= 1e-10 and grad_diff <= 1e-10)))
            runs["torch"] = net.run

        # Phase breakdown of the reference step (same parameters every call).
        runs["ref_forward"] = repeat_call(forward, X, parameters, activations)
        runs["ref_backward"] = repeat_call(backward, AL, Y, caches, activations, cost)
        runs["ref_update"] = repeat_call(update_parameters, parameters, grads, LEARNING_RATE)
        runs["ref_train"] = train_runner(parameters, X, Y, dims, activations, cost)
        faults = {}
        times = measure(runs, args.repeats, args.block, families={"torch": "torch"}, settle=args.settle,
                        faults=faults)
        results[label] = {"times": times, "faults": faults, "dims": dims, "m": m}

    print("\n  Fairness check, first step from the same initial parameters (max relative difference; goal <= 1e-10):")
    print(table(["network", "vs", "reference loss", "other loss", "loss diff", "grad/output diff", "check"],
                check_rows))

    headers = ["network", "m", "reference", "ref, checks off", "bare NumPy"]
    if torch is not None:
        headers += ["PyTorch", "ratio ref/torch", "ratio IQR", "goal", "status"]
    rows = []
    for label, r in results.items():
        t = r["times"]
        ref = med(t["ref"])
        row = [label, r["m"], f"{fmt_time(ref)} ±{spread(t['ref']) * 100:.0f}%",
               fmt_time(med(t["ref_nochecks"])) if "ref_nochecks" in t else "n/a",
               fmt_time(med(t["bare"]))]
        if "torch" in t:
            tt = med(t["torch"])
            ratio = ref / tt
            paired = [a / b for a, b in zip(t["ref"], t["torch"])]
            q = statistics.quantiles(paired, n=4) if len(paired) >= 4 else [min(paired), 0, max(paired)]
            row += [f"{fmt_time(tt)} ±{spread(t['torch']) * 100:.0f}%", f"{ratio:.2f}",
                    f"{q[0]:.2f}-{q[2]:.2f}", "<= 1.10", mark(ratio <= 1.10)]
        rows.append(row)
    print("\n  Time per step (median over repeats, ± = interquartile range / median):")
    print(table(headers, rows))
    if torch is not None:
        print(f"\n  ratio = reference / PyTorch (medians); ratio IQR = quartiles of the per-repeat ratios of adjacent "
              f"blocks.\n  PyTorch step: model(X) -> {{binary_cross_entropy_with_logits | cross_entropy}} -> "
              f"loss.backward() -> p.add_(p.grad, alpha=-lr)\n  under torch.no_grad(); {torch.get_num_threads()} "
              f"thread(s).")
    else:
        print(f"\n  PyTorch is not installed, so the comparison with it (goal: reference / PyTorch <= 1.10) is skipped."
              f"\n  Install it with: .venv/bin/pip install {TORCH_PIN}")
    print("  'ref, checks off' is the same reference step with the @validated input checks skipped; 'bare NumPy' is\n"
          "  the same equations written directly (in-place updates, no checks, no dicts): what NumPy can reach.")

    rows = []
    for label, r in results.items():
        t = r["times"]
        f, b, u, s = (med(t[k]) for k in ("ref_forward", "ref_backward", "ref_update", "ref"))
        nc = med(t["ref_nochecks"]) if "ref_nochecks" in t else float("nan")
        flt = r["faults"]
        rows.append([label, fmt_time(f), fmt_time(b), fmt_time(u), fmt_time(f + b + u), fmt_time(s),
                     fmt_time(med(t["ref_train"])),
                     f"{(s - nc) / s * 100:.0f}%" if nc == nc else "n/a",
                     f"{(s - med(t['bare'])) / s * 100:.0f}%",
                     " / ".join(f"{flt[k]:.0f}" if k in flt else "-" for k in ("ref", "bare", "torch"))])
    print("\n  Where the reference step spends its time (checks share = (step - checks off) / step):")
    print(table(["network", "forward", "backward", "update", "sum", "step", "train()/iteration", "checks share",
                 "over bare NumPy", "page faults/step ref/bare/torch"], rows))
    print("  'step' is forward(), backward() and update_parameters() called one after the other, as a training loop\n"
          "  written by hand does: each call checks its inputs.  train() checks its inputs once per call, not per\n"
          "  iteration, and also computes the cost from the logits every iteration.")
    print("  A page fault is a fresh 4 KiB page of a large temporary that the allocator got from the kernel (and\n"
          "  zeroed); on a virtual machine each costs microseconds.")
    return results


def section_gflops(args, results):
    label, dims, hidden, output, cost, m, init = NETWORKS[-1]
    section(f"2. Achieved GFLOP/s of the reference step on {label}, m = {m}")
    activations = [hidden] * (len(dims) - 2) + [output]
    parameters = initialize_parameters(dims, init, 1)
    X, Y, _ = make_data(dims, cost, m)
    fwd, bwd = step_flops(dims, m)
    flops = fwd + bwd

    n = 1024
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    C = np.empty((n, n))

    def square(k):
        for _ in range(k):
            np.matmul(A, B, out=C)

    # The step's own matmuls, alone (same shapes and transposes as the reference).
    AL, caches = forward(X, parameters, activations)
    grads = backward(AL, Y, caches, activations, cost)
    products = []
    for l, ((A_prev, W, _), (Z, _)) in enumerate(caches, start=1):
        products.append((W, A_prev))                 # forward
        products.append((Z, A_prev.T))               # dW = dZ A_prev^T (Z has dZ's shape)
        if l > 1:
            products.append((W.T, Z))                # dA_prev = W^T dZ

    def step_matmuls(k):
        for _ in range(k):
            for a, b in products:
                a @ b

    runs = {"ref": reference_runner(parameters, X, Y, activations, cost), "square": square,
            "matmuls": step_matmuls, "bare": bare_runner(parameters, X, Y, hidden, output),
            "train": train_runner(parameters, X, Y, dims, activations, cost)}
    faults = {}
    times = measure(runs, args.repeats, args.block, faults=faults)
    peak = 2 * n ** 3 / med(times["square"]) / 1e9
    rows = [[f"float64 matmul {n}x{n} @ {n}x{n} (machine reference)", fmt_time(med(times["square"])),
             f"{peak:.1f}", "100%", f"{faults['square']:.0f}", "", ""]]
    # The goal is judged on the training step as the reference's own loop runs it (train(): inputs checked once
    # per call); the row above it calls the public forward/backward/update, each checking its inputs again.
    for key, what in (("matmuls", "the step's matmuls alone (same shapes)"), ("bare", "bare NumPy step"),
                      ("ref", "reference step, three checked public calls"),
                      ("train", "reference training step (train() iteration)")):
        g = flops / med(times[key]) / 1e9
        goal = key == "train"
        rows.append([what, fmt_time(med(times[key])), f"{g:.1f}", f"{g / peak * 100:.0f}%", f"{faults[key]:.0f}",
                     ">= 70 %" if goal else "", mark(g / peak >= 0.70) if goal else ""])
    print(f"\n  Matmul FLOPs per step: forward {fwd / 1e6:.1f} M + backward {bwd / 1e6:.1f} M = {flops / 1e6:.1f} M "
          f"(dW for every layer, W^T dZ for layers 2..{len(dims) - 1}; element-wise work not counted).")
    print(table(["what", "time", "GFLOP/s", "% of matmul", "page faults", "goal", "status"], rows))
    sec1 = med(results[label]["times"]["ref"]) if label in results else None
    if sec1:
        print(f"\n  (Section 1 measured the same reference step at {fmt_time(sec1).strip()}: "
              f"{flops / sec1 / 1e9:.1f} GFLOP/s = {flops / sec1 / 1e9 / peak * 100:.0f}% of the matmul figure.)")


def loop_forward(X, parameters, activations):
    """The forward pass one example at a time: each column x is an (n[0], 1) array pushed through
    ``z = W a + b, a = g(z)`` layer by layer with the reference's own activation functions (unchecked)."""
    L = len(activations)
    Ws = [parameters[f"W{l}"] for l in range(1, L + 1)]
    bs = [parameters[f"b{l}"] for l in range(1, L + 1)]
    gs = [getattr(ACTIVATIONS[name].forward, "unchecked", ACTIVATIONS[name].forward) for name in activations]
    layers = list(zip(Ws, bs, gs))
    m = X.shape[1]
    out = np.empty((Ws[-1].shape[0], m))
    for j in range(m):
        a = X[:, j:j + 1]
        for W, b, g in layers:
            a = g(W @ a + b)
        out[:, j:j + 1] = a
    return out


def section_loop(args):
    section(f"3. Python loop over the examples vs the vectorized forward pass, m = {LOOP_M:,}")
    rows = []
    for label, dims, hidden, output, init in LOOP_NETWORKS:
        activations = [hidden] * (len(dims) - 2) + [output]
        parameters = initialize_parameters(dims, init, 1)
        X = np.random.default_rng(3).standard_normal((dims[0], LOOP_M))
        AL, _ = forward(X, parameters, activations)
        looped = loop_forward(X, parameters, activations)
        diff = float(np.max(np.abs(AL - looped)))
        runs = {"vectorized": repeat_call(forward, X, parameters, activations),
                "loop": repeat_call(loop_forward, X, parameters, activations)}
        faults = {}
        times = measure(runs, max(3, args.repeats // 3), args.block, warmup=1, faults=faults)
        speedup = med(times["loop"]) / med(times["vectorized"])
        rows.append([label, fmt_time(med(times["loop"])), fmt_time(med(times["vectorized"])),
                     f"{faults['vectorized']:.0f}", f"{diff:.1e} ({mark(diff <= 1e-12)})", f"{speedup:,.0f}x",
                     ">= 100x", mark(speedup >= 100)])
    print(table(["network", "loop over columns", "forward (vectorized)", "its page faults",
                 "max |diff| (same output)", "speed-up", "goal", "status"], rows))
    print("  The loop applies z = W a + b, a = g(z) to one (n, 1) column at a time with the reference's activation\n"
          "  functions, unchecked (so the loop pays no input-check cost); 'forward' is the reference, checks on.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and shorter blocks")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    parser.add_argument("--repeats", type=int, help="repeats per measurement (default 15, --quick 5)")
    parser.add_argument("--threads", type=int,
                        help="limit NumPy's BLAS (through threadpoolctl) and PyTorch to this many threads "
                             "(default: the number NumPy's BLAS uses)")
    parser.add_argument("--settle", type=float, default=0.15,
                        help="seconds to sleep when switching between NumPy and PyTorch blocks (default 0.15)")
    args = parser.parse_args(argv)
    args.repeats = args.repeats or (5 if args.quick else 15)
    args.block = 0.02 if args.quick else 0.05

    started = time.perf_counter()
    torch = import_torch(args.no_torch)
    limiter = None
    if args.threads:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            parser.error("--threads needs threadpoolctl (pip install threadpoolctl)")
        limiter = threadpool_limits(limits=args.threads, user_api="blas")  # noqa: F841  (kept for the whole run)
    _, numpy_threads = blas_info()
    if torch is not None:
        torch.set_num_threads(numpy_threads or os.cpu_count() or 1)
    section_environment(args, torch, numpy_threads)
    healthy = machine_check(numpy_threads)
    if not healthy and not args.threads:
        from threadpoolctl import threadpool_limits  # machine_check found it, or it would have passed
        limiter = threadpool_limits(limits=1, user_api="blas")  # noqa: F841
        numpy_threads = 1
        if torch is not None:
            torch.set_num_threads(1)
        print("  => Measuring with 1 thread for NumPy's BLAS and for PyTorch alike (pass --threads N to insist on N).")
    print(f"\n  Threads used below: NumPy BLAS {blas_info()[1]}, PyTorch "
          f"{torch.get_num_threads() if torch is not None else '-'} (NumPy's element-wise operations always use 1).")

    checks_available = checks_can_be_switched_off(2)
    results = section_training_step(args, torch, checks_available)
    section_gflops(args, results)
    section_loop(args)
    print(f"\nTotal benchmark time: {time.perf_counter() - started:.1f} s")
    del limiter


if __name__ == "__main__":
    main()
