"""Monte-Carlo sweep on Dask: how likely each piece of ground is to be defended, and why.

For one state (year, scenario, launch area, threat, physics choices), ``draws`` parameter sets
are sampled from data/distributions.csv (:mod:`coverage.products.draws`: seeded Latin hypercube
or Sobol'), each applied to the nominal setup, and the engagement kernel
(:func:`coverage.physics.engagement.engage`) runs over the target grid and the cities. Results:

- for every grid cell, **p_defended**: the share of draws in which it is defended (cells beyond
  the threat's range are out of reach in every draw and kept apart);
- per draw, the NATO-Europe territory and population shares and the capitals defended
  (:class:`coverage.products.metrics.MetricWeights`: the metrics are linear in the defended
  flags, so they are summed block by block), reported as median and 5-95 % interval;
- for each capital, the share of draws in which it is defended;
- **global sensitivity** of the defended territory share to each variable: first-order Sobol'
  indices estimated from the same draws by RBD-FAST (SALib ``rbd_fast``; Tarantola et al. 2006,
  bias-corrected after Tissot & Prieur 2012), with a bootstrap confidence half-width, and the
  Spearman rank correlation for the direction. No extra model runs are needed.

The work runs on ``dask.distributed``: a local cluster on this machine's cores by default, or
any cluster given by ``scheduler`` (``tcp://HOST:PORT``) or the ``EPAA_DASK_SCHEDULER``
environment variable, with the same code. Tasks are batches of draws × blocks of targets (not
one task per cell). Each task returns integer counts per target and per-draw metric sums, and the
client adds them up in a fixed order, so the result does not depend on the number of workers.
Results are cached on disk (``EPAA_CACHE_DIR``, else ``$XDG_CACHE_HOME/epaa-coverage``, else
``~/.cache/epaa-coverage``) under a hash of the state, draws, seed, sampler and the data files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from coverage.catalogue.tables import DATA_DIR, Catalogue
from coverage.physics.checks import check_range
from coverage.physics.engagement import engage
from coverage.products.budget import check_engagement_work
from coverage.products.defended import setup_text
from coverage.products.diskcache import CACHE_ENV, _cache_folder, _data_version, _write_npz
from coverage.products.draws import (
    SAMPLERS,
    Sampler,
    Variable,
    apply_draw,
    sample_values,
    sweep_variables,
    system_map,
    undrawn_variables,
)
from coverage.products.grid import (
    TargetGrid,
    cells_polygon,
    domain_cities,
    domain_iso3,
    target_grid,
    to_4326,
)
from coverage.products.metrics import MetricWeights, metric_weights
from coverage.scenario import DefenceQuery, FootprintOptions, Setup, resolve
from coverage.style import KINEMATIC_CAVEAT, PROBABILITY_CLASSES

__all__ = [
    "CACHE_ENV",
    "DrawTargets",
    "draw_targets",
    "MAX_DRAWS",
    "MIN_GRID_KM",
    "SCHEDULER_ENV",
    "SENSITIVITY_METHOD",
    "SweepJob",
    "SweepRequest",
    "SweepResult",
    "cache_dir",
    "dask_client",
    "load_cached",
    "probability_cells",
    "probability_class",
    "probability_layer",
    "run_sweep",
    "submit_sweep",
]

#: Most draws one request may ask for (a 10,000-draw sweep is a cluster job; see the README).
MAX_DRAWS = 10_000
#: Finest grid a sweep may use, km (a 10 km grid has ~75,000 cells: 6× the 25 km default).
MIN_GRID_KM = 10.0
#: Targets per task block: the 25 km grid and its cities (~14,000 targets) are one block.
BLOCK_TARGETS = 16_384
SCHEDULER_ENV = "EPAA_DASK_SCHEDULER"
SENSITIVITY_METHOD = (
    "First-order Sobol' indices of the defended territory share, estimated from the Latin-"
    "hypercube draws by RBD-FAST (SALib rbd_fast, bias-corrected; ± bootstrap 95 % half-width); "
    "rank correlation (Spearman) gives the direction. A variable with index near 0 alone moves "
    "the share little; interactions are not counted."
)
_FORMAT = 2  # 2: early-warning radars engaged and their reference RCS drawn
_METRICS = ("area_share", "population_share", "capitals_defended")


# --------------------------------------------------------------------------- the request


@dataclass(frozen=True)
class SweepRequest:
    """What a sweep computes (hashable: part of the cache key).

    Attributes
    ----------
    options, query
        The state, as for the maps; ``options.estimate`` must be ``"nominal"`` (the draws span
        every low..high band) and ``query.grid_km`` at least :data:`MIN_GRID_KM`.
    draws
        Number of parameter sets, 2 to :data:`MAX_DRAWS`.
    seed
        Seed of the sampler (0 to 2³²−1): the same seed gives the same draws and result.
    sampler
        ``"lhs"`` (Latin hypercube, default) or ``"sobol"`` (scrambled Sobol').
    fixed
        Variables pinned to one value in every draw, as ``(name, value)`` pairs.
    """

    options: FootprintOptions
    query: DefenceQuery
    draws: int = 100
    seed: int = 1
    sampler: Sampler = "lhs"
    fixed: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if not (isinstance(self.draws, int) and 2 <= self.draws <= MAX_DRAWS):
            raise ValueError(f"draws={self.draws!r} is outside the allowed range 2..{MAX_DRAWS}")
        if not (isinstance(self.seed, int) and 0 <= self.seed < 2**32):
            raise ValueError(f"seed={self.seed!r} is outside the allowed range 0..4294967295")
        if self.sampler not in SAMPLERS:
            raise ValueError(f"sampler={self.sampler!r} is not one of {', '.join(SAMPLERS)}")
        if self.options.estimate != "nominal":
            raise ValueError(
                f"estimate={self.options.estimate!r}: a sweep draws every parameter across its "
                "low..high band; use estimate='nominal'"
            )
        check_range("grid_km", self.query.grid_km, MIN_GRID_KM, 500.0, " km for a sweep")
        object.__setattr__(self, "fixed", tuple(sorted((str(k), float(v)) for k, v in self.fixed)))

    def key(self, catalogue: Catalogue) -> str:
        """Cache key: a hash of this request, the catalogue in use and every file in data/."""
        h = hashlib.sha256()
        h.update(f"sweep-format-{_FORMAT}\n{self!r}\n{catalogue.digest}\n".encode())
        h.update(_data_version(DATA_DIR).encode())
        return h.hexdigest()[:24]


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A finished sweep.

    Attributes
    ----------
    request
        What was asked.
    variables, values
        The drawn variables and the ``draws × variables`` matrix of values.
    counts
        Per target (grid cells, then cities): in how many draws it was defended.
    in_reach
        Per target: within the threat's range (the same in every draw).
    nominal_defended
        Per target: defended with every variable at its nominal value.
    metrics
        ``draws × 3``: NATO-Europe territory share, population share, capitals defended.
    nominal_metrics
        The same three for the nominal parameter set.
    n_cells
        Number of grid cells (the first targets).
    capital_index, capital_names
        Target index and name of each member capital.
    grid_iso3
        Countries of the target grid.
    assumptions
        The state's assumptions in words.
    undrawn
        ``(variable, why)`` for each row of data/distributions.csv not drawn in this state.
    compute_s, workers
        Wall time of the computation (s) and Dask workers it ran on (when it was computed).
    from_cache
        Loaded from the disk cache.
    """

    request: SweepRequest
    variables: tuple[Variable, ...]
    values: NDArray[np.float64]
    counts: NDArray[np.int64]
    in_reach: NDArray[np.bool_]
    nominal_defended: NDArray[np.bool_]
    metrics: NDArray[np.float64]
    nominal_metrics: NDArray[np.float64]
    n_cells: int
    capital_index: NDArray[np.int64]
    capital_names: tuple[str, ...]
    grid_iso3: tuple[str, ...]
    assumptions: str
    compute_s: float
    workers: int
    undrawn: tuple[tuple[str, str], ...] = ()
    from_cache: bool = False
    _sensitivity: list[pd.DataFrame] = field(default_factory=list, repr=False)

    @property
    def draws(self) -> int:
        """Number of draws."""
        return self.request.draws

    @property
    def p_defended(self) -> NDArray[np.float64]:
        """Per target: share of draws in which it is defended (0..1)."""
        return self.counts / float(self.draws)

    @property
    def grid(self) -> TargetGrid:
        """The target grid of the sweep."""
        return target_grid(self.request.query.grid_km, self.grid_iso3)

    def interval(self, metric: str) -> tuple[float, float, float]:
        """``(median, 5th percentile, 95th percentile)`` of a metric over the draws."""
        column = self.metrics[:, _METRICS.index(metric)]
        p05, p50, p95 = np.percentile(column, [5.0, 50.0, 95.0])
        return float(p50), float(p05), float(p95)

    def sensitivity(self) -> pd.DataFrame:
        """Global sensitivity of the defended territory share (see :data:`SENSITIVITY_METHOD`).

        Columns ``parameter, index, index_conf, rank_correlation, distribution``, sorted by
        ``index`` (largest first). All indices are 0 when the share does not vary.
        """
        if not self._sensitivity:
            self._sensitivity.append(
                _sensitivity(self.variables, self.values, self.metrics[:, 0], self.request.seed)
            )
        return self._sensitivity[0].copy()

    def capitals(self) -> pd.DataFrame:
        """Per member capital: ``capital, p_defended, nominal`` (defended in the nominal case)."""
        return pd.DataFrame(
            {
                "capital": list(self.capital_names),
                "p_defended": self.p_defended[self.capital_index],
                "nominal_defended": self.nominal_defended[self.capital_index],
            }
        ).sort_values(["p_defended", "capital"], ascending=[False, True], ignore_index=True)

    def short_text(self) -> str:
        """One short line for image panels: draws, state and the most influential variables."""
        r, q = self.request, self.request.query
        top = self.sensitivity()
        top = top[top["index"] > 0].head(3)
        lead = ", ".join(top.parameter) if len(top) else "none (the share does not vary)"
        return (
            f"Probability defended (Monte-Carlo): {r.draws} draws ("
            f"{'Latin hypercube' if r.sampler == 'lhs' else 'Sobol'}, seed {r.seed}) of "
            f"{len(self.variables)} parameters from data/distributions.csv; threat {q.threat} "
            f"from {q.launch_area}; {q.grid_km:g} km grid; most influential (first-order "
            f"index): {lead}"
        )

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures: draws, intervals of every metric, sensitivity, capitals."""
        o, q = self.request.options, self.request.query
        out: dict[str, Any] = {
            "year": o.year,
            "scenario": o.scenario,
            "launch_area": q.launch_area,
            "threat": q.threat,
            "grid_km": q.grid_km,
            "draws": self.draws,
            "seed": self.request.seed,
            "sampler": self.request.sampler,
        }
        for metric, prefix in zip(_METRICS, ("share", "population_share", "capitals"), strict=True):
            med, p05, p95 = self.interval(metric)
            out[f"{prefix}_median"], out[f"{prefix}_p05"], out[f"{prefix}_p95"] = med, p05, p95
            out[f"{prefix}_nominal"] = float(self.nominal_metrics[_METRICS.index(metric)])
        out["capitals_total"] = len(self.capital_names)
        sens = self.sensitivity()
        out["sensitivity_method"] = SENSITIVITY_METHOD
        out["sensitivity"] = [
            {
                "parameter": r.parameter,
                "index": round(float(r.index), 4),
                "index_conf": round(float(r.index_conf), 4),
                "rank_correlation": round(float(r.rank_correlation), 4),
            }
            for r in sens.itertuples(index=False)
        ]
        out["capitals"] = [
            {"capital": r.capital, "p_defended": float(r.p_defended)}
            for r in self.capitals().itertuples(index=False)
        ]
        out["distributions"] = [
            {
                "parameter": v.name,
                "distribution": v.describe(),
                "applies_to": [str(t) for t in v.targets],
            }
            for v in self.variables
        ]
        out["drawn"] = [v.name for v in self.variables]
        out["not_drawn"] = [{"parameter": n, "reason": why} for n, why in self.undrawn]
        out["fixed"] = dict(self.request.fixed)
        out["assumptions"] = self.assumptions
        out["caveat"] = KINEMATIC_CAVEAT
        out["compute_s"] = round(self.compute_s, 2)
        out["workers"] = self.workers
        out["from_cache"] = self.from_cache
        return out


def _sensitivity(
    variables: tuple[Variable, ...], x: NDArray[np.float64], y: NDArray[np.float64], seed: int
) -> pd.DataFrame:
    from SALib.analyze import rbd_fast
    from scipy.stats import spearmanr

    n, d = x.shape
    names = [v.name for v in variables]
    index = np.zeros(d)
    conf = np.zeros(d)
    rho = np.zeros(d)
    if d and n >= 8 and float(np.ptp(y)) > 0.0:
        # M harmonics; the bootstrap uses half the draws, and the bias correction needs 2M < n/2.
        harmonics = max(1, min(10, n // 8))
        problem = {
            "num_vars": d,
            "names": names,
            "bounds": [[v.lower, v.upper] for v in variables],
        }
        with np.errstate(invalid="ignore", divide="ignore"):
            # A bootstrap half-sample with a constant share divides 0 by 0: its index is NaN.
            si = rbd_fast.analyze(problem, x, y, M=harmonics, seed=seed)
        index = np.clip(np.nan_to_num(np.asarray(si["S1"], float)), 0.0, 1.0)
        conf = np.nan_to_num(np.asarray(si["S1_conf"], float))
        for i in range(d):
            if np.ptp(x[:, i]) > 0:
                rho[i] = float(np.nan_to_num(spearmanr(x[:, i], y).statistic))
    frame = pd.DataFrame(
        {
            "parameter": names,
            "index": index,
            "index_conf": conf,
            "rank_correlation": rho,
            "distribution": [v.describe() for v in variables],
        }
    )
    return frame.sort_values(["index", "parameter"], ascending=[False, True], ignore_index=True)


# --------------------------------------------------------------------------- Dask


def _nice_plugin(increment: int) -> Any:
    """A worker plugin that lowers each worker process's CPU priority (interactive users first).

    Distributed accepts only subclasses of its plugin classes, so the class is made here, where
    ``distributed`` is imported (it is not imported with this module).
    """
    from distributed.diagnostics.plugin import WorkerPlugin

    class _Nice(WorkerPlugin):
        name = "epaa-nice"

        def __init__(self, increment: int) -> None:
            self.increment = increment

        def setup(self, worker: Any) -> None:
            with contextlib.suppress(OSError):
                os.nice(self.increment)

    return _Nice(increment)


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    processes: bool = False,
    nice: int = 0,
) -> Iterator[Any]:
    """A ``dask.distributed.Client``: on ``scheduler``, ``$EPAA_DASK_SCHEDULER`` or a local cluster.

    Parameters
    ----------
    scheduler
        ``tcp://HOST:PORT`` of a running Dask scheduler; default: the environment variable, else
        a local cluster (closed on exit).
    workers
        Local cluster only: worker count (default: this machine's cores), one thread each.
    processes
        Local cluster only: worker threads in this process (default) or worker processes.
        Both cost about the same per draw on the 2-core machine (``bench/bench_sweep.py``,
        idle: 1.38x a plain engine call in a process, 1.43x on a thread), once the worker
        processes start with glibc's adaptive allocator (``_WORKER_ENV``; with Dask's own
        setting a draw cost 3.8x). Processes isolate the work from a server's own threads and
        can run at a lower priority (``nice``).
    nice
        Local process workers only: CPU-priority increment (e.g. 10 in a shared server, so
        interactive requests run first).
    """
    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address:
        client = Client(address, timeout="20s")
        try:
            yield client
        finally:
            client.close()
        return
    n = int(workers or os.cpu_count() or 1)
    import dask

    # glibc reads its malloc settings once, when a process starts: they must be in the
    # environment the worker is spawned with ("pre-spawn"), not set inside it afterwards.
    with dask.config.set({"distributed.nanny.pre-spawn-environ": _WORKER_ENV}):
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",  # a free port: never collides with another cluster
            silence_logs=logging.ERROR,
        )
    client = Client(cluster)
    try:
        if nice and processes:
            client.register_plugin(_nice_plugin(nice))
        yield client
    finally:
        client.close()
        cluster.close()


#: Environment of local worker processes. Dask sets MALLOC_TRIM_THRESHOLD_=65536 in its
#: workers, and setting any malloc threshold turns off glibc's adaptive mmap threshold: every
#: temporary above 128 KiB is then mapped and unmapped, page faults and all, and a draw took
#: 2.4x its time in a plain process (measured here). A 32 MiB mmap threshold (glibc's own
#: adaptive maximum) and a large trim threshold keep the kernel's temporaries on the heap.
_WORKER_ENV = {
    "MALLOC_TRIM_THRESHOLD_": str(2**30),
    "MALLOC_MMAP_THRESHOLD_": str(2**25),
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}


def _block_task(
    setups: tuple[Setup, ...],
    lon_deg: NDArray[np.float64],
    lat_deg: NDArray[np.float64],
    weights: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """One task: every draw of a batch over one block of targets → counts and metric sums."""
    counts = np.zeros(lon_deg.size, np.int64)
    sums = np.zeros((len(setups), weights.shape[0]))
    for i, setup in enumerate(setups):
        d = _engage(setup, lon_deg, lat_deg).defended
        counts += d
        sums[i] = weights @ d.astype(float)
    return counts, sums


def _nominal_task(
    setup: Setup, lon_deg: NDArray[np.float64], lat_deg: NDArray[np.float64]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    res = _engage(setup, lon_deg, lat_deg)
    return res.defended, res.in_reach


def _engage(setup: Setup, lon_deg: NDArray[np.float64], lat_deg: NDArray[np.float64]) -> Any:
    return engage(
        [p[0] for p in setup.launch_lonlat],
        [p[1] for p in setup.launch_lonlat],
        lon_deg,
        lat_deg,
        radars=setup.radars,
        sites=setup.sites,
        threat=setup.threat,
        assumptions=setup.assumptions,
        warning_radars=setup.warning_radars,
    )


# --------------------------------------------------------------------------- plan, submit, gather


@dataclass(frozen=True, eq=False)
class _Plan:
    request: SweepRequest
    setup: Setup
    variables: tuple[Variable, ...]
    values: NDArray[np.float64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    n_cells: int
    weights: MetricWeights
    grid_iso3: tuple[str, ...]
    blocks: tuple[tuple[int, int], ...]
    batches: tuple[tuple[int, int], ...]
    system_of: Mapping[str, str]
    undrawn: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, eq=False)
class DrawTargets:
    """The targets of a state's draws and the metrics' weights over them.

    The grid's cells, then the domain's cities (:func:`~coverage.products.metrics.metric_weights`).
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    n_cells: int
    weights: MetricWeights
    iso3: tuple[str, ...]

    def shares(self, setup: Setup) -> tuple[float, float]:
        """NATO-Europe territory and population shares one run of ``setup`` defends."""
        defended = _engage(setup, self.lon, self.lat).defended.astype(float)
        return float(self.weights.area @ defended), float(self.weights.population @ defended)


def draw_targets(catalogue: Catalogue, setup: Setup, year: int, query: DefenceQuery) -> DrawTargets:
    """:class:`DrawTargets` of a state; :class:`WorkBudgetError` if one run is over the budget."""
    iso3 = domain_iso3(catalogue, query.domain)
    grid = target_grid(query.grid_km, iso3)
    extra = domain_cities(iso3)
    check_engagement_work(setup, int(grid.ix.size) + len(extra))
    return DrawTargets(
        lon=np.concatenate([grid.lon_deg, extra.lon_deg.to_numpy(float)]),
        lat=np.concatenate([grid.lat_deg, extra.lat_deg.to_numpy(float)]),
        n_cells=int(grid.ix.size),
        weights=metric_weights(catalogue, year, query.grid_km, iso3, extra),
        iso3=iso3,
    )


def _plan(catalogue: Catalogue, request: SweepRequest, workers: int) -> _Plan:
    setup = resolve(catalogue, request.options, request.query)
    targets = draw_targets(catalogue, setup, request.options.year, request.query)
    n_targets = targets.lon.size
    variables = sweep_variables(catalogue, setup)
    values = sample_values(
        variables,
        request.draws,
        seed=request.seed,
        sampler=request.sampler,
        fixed=dict(request.fixed),
    )
    n_blocks = max(1, math.ceil(n_targets / BLOCK_TARGETS))
    edges = np.linspace(0, n_targets, n_blocks + 1).round().astype(int)
    blocks = tuple((int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True))
    # About four tasks per worker per block keeps every worker busy to the end without making
    # the scheduler the bottleneck; at most 25 draws per task so progress moves.
    per_task = max(1, min(25, math.ceil(request.draws / max(1, 4 * workers))))
    batches = tuple(
        (i, min(i + per_task, request.draws)) for i in range(0, request.draws, per_task)
    )
    return _Plan(
        request=request,
        setup=setup,
        variables=variables,
        values=values,
        lon=targets.lon,
        lat=targets.lat,
        n_cells=targets.n_cells,
        weights=targets.weights,
        grid_iso3=targets.iso3,
        blocks=blocks,
        batches=batches,
        system_of=system_map(catalogue, setup),
        undrawn=undrawn_variables(catalogue, setup),
    )


class SweepJob:
    """A sweep in flight on a Dask client: poll :meth:`progress`, then take :meth:`result`.

    Nothing here blocks until :meth:`result`; the work runs on the cluster's workers.
    """

    def __init__(
        self, plan: _Plan, client: Any, catalogue: Catalogue, cache: Path | None, workers: int
    ) -> None:
        self._plan = plan
        self._cache = cache
        self._key = plan.request.key(catalogue)
        self._workers = workers
        self._started = time.perf_counter()
        p = plan
        self._weights = [
            client.scatter(p.weights.stacked()[:, a:b], broadcast=False) for a, b in p.blocks
        ]
        self._nominal = [
            client.submit(_nominal_task, p.setup, p.lon[a:b], p.lat[a:b], pure=False)
            for a, b in p.blocks
        ]
        self._tasks: dict[tuple[int, int], Any] = {}
        for i, (d0, d1) in enumerate(p.batches):
            setups = tuple(
                apply_draw(p.setup, p.variables, p.values[k], p.system_of) for k in range(d0, d1)
            )
            for j, (a, b) in enumerate(p.blocks):
                self._tasks[(i, j)] = client.submit(
                    _block_task, setups, p.lon[a:b], p.lat[a:b], self._weights[j], pure=False
                )

    @property
    def futures(self) -> list[Any]:
        """Every task of the sweep (the nominal runs first)."""
        return [*self._nominal, *self._tasks.values()]

    def progress(self) -> tuple[int, int]:
        """``(tasks done, tasks in all)``."""
        futures = self.futures
        return sum(1 for f in futures if f.done()), len(futures)

    def done(self) -> bool:
        """Whether every task has finished."""
        done, total = self.progress()
        return done == total

    def cancel(self) -> None:
        """Cancel the tasks not yet run."""
        for f in self.futures:
            f.cancel()

    def result(self) -> SweepResult:
        """Wait for the tasks, add their results up in a fixed order and cache the result."""
        p = self._plan
        n_targets = p.lon.size
        defended = np.zeros(n_targets, bool)
        in_reach = np.zeros(n_targets, bool)
        for (a, b), f in zip(p.blocks, self._nominal, strict=True):
            defended[a:b], in_reach[a:b] = f.result()
        counts = np.zeros(n_targets, np.int64)
        metrics = np.zeros((p.request.draws, len(_METRICS)))
        for (i, j), f in sorted(self._tasks.items()):
            block_counts, sums = f.result()
            a, b = p.blocks[j]
            counts[a:b] += block_counts
            d0, d1 = p.batches[i]
            metrics[d0:d1] += sums
        result = SweepResult(
            request=p.request,
            variables=p.variables,
            values=p.values,
            counts=counts,
            in_reach=in_reach,
            nominal_defended=defended,
            metrics=metrics,
            nominal_metrics=p.weights.stacked() @ defended.astype(float),
            n_cells=p.n_cells,
            capital_index=p.weights.capital_index,
            capital_names=p.weights.capital_names,
            grid_iso3=p.grid_iso3,
            assumptions=_assumption_text(p),
            compute_s=time.perf_counter() - self._started,
            workers=self._workers,
            undrawn=p.undrawn,
        )
        if self._cache is not None:
            _save(self._cache, self._key, result)
        return result


def _assumption_text(plan: _Plan) -> str:
    r = plan.request
    pinned = "".join(f"; {k} fixed at {v:g}" for k, v in r.fixed)
    drawn = (
        f"{len(plan.variables)} parameters drawn from data/distributions.csv ({r.draws} draws, "
        f"{'Latin hypercube' if r.sampler == 'lhs' else 'Sobol'}, seed {r.seed}){pinned}; "
        "values named below are the nominal ones"
    )
    return setup_text(plan.setup, parameters=drawn)


def _workers_of(client: Any) -> int:
    return max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))


def submit_sweep(
    catalogue: Catalogue,
    request: SweepRequest,
    client: Any,
    *,
    cache: Path | None = None,
) -> SweepJob:
    """Start a sweep on ``client`` and return at once (see :class:`SweepJob`).

    Raises
    ------
    ValueError, WorkBudgetError
        For a state that cannot be resolved or one engine run above the work budget.
    """
    workers = _workers_of(client)
    return SweepJob(_plan(catalogue, request, workers), client, catalogue, cache, workers)


def run_sweep(
    catalogue: Catalogue,
    request: SweepRequest,
    *,
    client: Any | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    processes: bool = False,
    cache: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run a sweep to the end: from the disk cache if there, else on Dask (then cached).

    Parameters
    ----------
    client
        A ``dask.distributed.Client`` to use; otherwise one is opened on ``scheduler`` (or
        ``$EPAA_DASK_SCHEDULER``) or on a local cluster of ``workers`` (see :func:`dask_client`)
        and closed at the end.
    cache
        Cache folder (see :func:`cache_dir`); ``None``: no cache.
    progress
        Called with ``(tasks done, tasks in all)`` as tasks finish.
    """
    if cache is not None:
        hit = load_cached(catalogue, request, cache)
        if hit is not None:
            if progress is not None:
                progress(1, 1)
            return hit
    if client is None:
        with dask_client(scheduler, workers=workers, processes=processes) as own:
            return _run(catalogue, request, own, cache, progress)
    return _run(catalogue, request, client, cache, progress)


def _run(
    catalogue: Catalogue,
    request: SweepRequest,
    client: Any,
    cache: Path | None,
    progress: Callable[[int, int], None] | None,
) -> SweepResult:
    from distributed import as_completed

    job = submit_sweep(catalogue, request, client, cache=cache)
    futures = job.futures
    if progress is not None:
        progress(0, len(futures))
    try:
        for done, _ in enumerate(as_completed(futures), start=1):
            if progress is not None:
                progress(done, len(futures))
        return job.result()
    except BaseException:
        job.cancel()
        raise


# --------------------------------------------------------------------------- disk cache


def cache_dir() -> Path:
    """The sweep cache folder: ``$EPAA_CACHE_DIR``, else the user cache (never inside data/)."""
    return _cache_folder("sweeps")


def _save(folder: Path, key: str, result: SweepResult) -> None:
    """Write the result atomically (a temporary file renamed); a full disk only loses the cache."""
    with contextlib.suppress(OSError):
        meta = {
            "format": _FORMAT,
            "request": repr(result.request),
            "variables": [v.name for v in result.variables],
            "capital_names": list(result.capital_names),
            "grid_iso3": list(result.grid_iso3),
            "assumptions": result.assumptions,
            "compute_s": result.compute_s,
            "workers": result.workers,
            "n_cells": result.n_cells,
            "undrawn": [list(u) for u in result.undrawn],
        }
        _write_npz(
            folder,
            key,
            {
                "meta": np.array(json.dumps(meta)),
                "values": result.values,
                "counts": result.counts,
                "in_reach": result.in_reach,
                "nominal_defended": result.nominal_defended,
                "metrics": result.metrics,
                "nominal_metrics": result.nominal_metrics,
                "capital_index": result.capital_index,
            },
        )


def load_cached(catalogue: Catalogue, request: SweepRequest, folder: Path) -> SweepResult | None:
    """The cached result of ``request`` with this catalogue and data, or ``None``."""
    path = folder / f"{request.key(catalogue)}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            arrays = {k: z[k] for k in z.files if k != "meta"}
    except (OSError, ValueError, KeyError):
        return None  # a damaged file is recomputed
    setup = resolve(catalogue, request.options, request.query)
    variables = sweep_variables(catalogue, setup)
    if meta.get("format") != _FORMAT or [v.name for v in variables] != meta["variables"]:
        return None
    return SweepResult(
        request=request,
        variables=variables,
        values=arrays["values"],
        counts=arrays["counts"].astype(np.int64),
        in_reach=arrays["in_reach"].astype(bool),
        nominal_defended=arrays["nominal_defended"].astype(bool),
        metrics=arrays["metrics"],
        nominal_metrics=arrays["nominal_metrics"],
        n_cells=int(meta["n_cells"]),
        capital_index=arrays["capital_index"].astype(np.int64),
        capital_names=tuple(meta["capital_names"]),
        grid_iso3=tuple(meta["grid_iso3"]),
        assumptions=str(meta["assumptions"]),
        compute_s=float(meta["compute_s"]),
        workers=int(meta["workers"]),
        undrawn=tuple((str(n), str(w)) for n, w in meta.get("undrawn", [])),
        from_cache=True,
    )


# --------------------------------------------------------------------------- geometry


def probability_class(p: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index into :data:`coverage.style.PROBABILITY_CLASSES`: < 10 %, 10-50 %, 50-90 %, > 90 %."""
    p = np.asarray(p, float)
    return ((p >= 0.1).astype(np.int64) + (p >= 0.5) + (p > 0.9)).astype(np.int64)


def probability_cells(result: SweepResult) -> gpd.GeoDataFrame:
    """One polygon per grid cell within the threat's reach, with ``p_defended`` (EPSG:4326).

    Columns ``cell_ix, cell_iy, lon_deg, lat_deg, p_defended, p_class, nominal_defended,
    draws`` and the geometry (the EPSG:3035 cell square, densified, in lon/lat).
    """
    grid = result.grid
    nc = result.n_cells
    keep = result.in_reach[:nc]
    ix, iy = grid.ix[keep], grid.iy[keep]
    g = grid.grid_m
    boxes = shapely.segmentize(shapely.box(ix * g, iy * g, (ix + 1) * g, (iy + 1) * g), g / 4)

    def to_lonlat(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = to_4326().transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    p = result.p_defended[:nc][keep]
    return gpd.GeoDataFrame(
        {
            "cell_ix": ix,
            "cell_iy": iy,
            "lon_deg": grid.lon_deg[keep],
            "lat_deg": grid.lat_deg[keep],
            "p_defended": p,
            "p_class": [PROBABILITY_CLASSES[k].text for k in probability_class(p)],
            "nominal_defended": result.nominal_defended[:nc][keep],
            "draws": result.draws,
        },
        geometry=shapely.transform(boxes, to_lonlat),
        crs="EPSG:4326",
    )


def probability_layer(result: SweepResult) -> gpd.GeoDataFrame:
    """The "probability defended" map layer: one (multi)polygon per class, EPSG:4326.

    Columns ``feature_id, layer ("probability"), p_class, p_min, p_max, colour, cells, draws,
    name, label, source`` and the geometry; classes with no cell are left out. Cells beyond the
    threat's range belong to no class.
    """
    grid = result.grid
    nc = result.n_cells
    p = result.p_defended[:nc]
    cls = probability_class(p)
    rows = []
    for k, pc in enumerate(PROBABILITY_CLASSES):
        sel = (cls == k) & result.in_reach[:nc]
        if not sel.any():
            continue
        rows.append(
            {
                "feature_id": f"probability:{pc.key}",
                "layer": "probability",
                "p_class": pc.text,
                "p_min": pc.lower,
                "p_max": pc.upper,
                "colour": pc.colour,
                "cells": int(sel.sum()),
                "draws": result.draws,
                "name": f"Defended in {pc.text} of {result.draws} draws",
                "label": (
                    f"{int(sel.sum()):,} grid cells defended in {pc.text} of the "
                    f"{result.draws} Monte-Carlo draws; {result.assumptions}. {KINEMATIC_CAVEAT}"
                ),
                "source": "Monte-Carlo sweep over data/distributions.csv (coverage/products/sweep.py)",
                "geometry": cells_polygon(grid.ix[sel], grid.iy[sel], grid.grid_m),
            }
        )
    columns = [
        "feature_id",
        "layer",
        "p_class",
        "p_min",
        "p_max",
        "colour",
        "cells",
        "draws",
        "name",
        "label",
        "source",
        "geometry",
    ]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs="EPSG:4326")
