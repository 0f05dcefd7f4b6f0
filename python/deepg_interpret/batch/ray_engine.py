"""The batch runner on Ray: one actor per worker, each loading the model once.

Ray is optional (``pip install 'deepg-interpret[ray]'``, i.e. ``ray>=2.9``) and
imported only here, on first use. Without ``address`` a local Ray is started with
``num_cpus=workers`` and shut down at the end; with ``address`` (``"auto"``,
``"ray://head:10001"``) the run joins an existing cluster, whose nodes need
deepg-interpret installed and must see the model and FASTA paths (a shared
filesystem, as on HPC clusters). A Ray already initialised in this process is used
as it is.

Each actor commits the parts of the samples it computed (temporary folder, fsync,
rename: :mod:`deepg_interpret.batch.store`), so ``out`` must be writable from every
node; the driver only keeps the run manifest. An actor that dies (out of memory, node lost) fails
its sample with the reason and is replaced; the next run retries the sample.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..errors import InputError
from .job import BatchJob, explain_sample, failed_outcome, load_job_model
from .manifest import Sample

INSTALL_HINT = ("pip install 'ray>=2.9' (or pip install 'deepg-interpret[ray]') into the "
                "Python that runs deepg-interpret")


def import_ray():
    """The ``ray`` module, or an :class:`InputError` saying how to install it."""
    try:
        import ray
    except ImportError as err:
        raise InputError(f"engine='ray' needs the ray package, which is not installed: "
                         f"{INSTALL_HINT}; or use engine='local'.") from err
    return ray


class Explainer:
    """Ray actor body: the model loaded once, then one sample per call."""

    def __init__(self, job: BatchJob) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        self.job = job
        self.adapter = load_job_model(job)

    def explain(self, sample: Sample) -> dict:
        return explain_sample(self.adapter, self.job, sample)


def run_on_ray(job: BatchJob, pending: list[Sample], on_start: Callable, on_result: Callable,
               *, workers: int | None = None, address: str | None = None) -> None:
    """Explain ``pending`` on Ray actors; ``on_result`` gets each outcome as it finishes."""
    ray = import_ray()
    started_here = False
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, logging_level="WARNING", log_to_driver=False)
            else:
                ray.init(num_cpus=workers or os.cpu_count(), include_dashboard=False,
                         logging_level="WARNING", log_to_driver=False)
        except Exception as err:  # noqa: BLE001 - ray raises many kinds; all mean "no cluster"
            if not address and "num_cpus" in str(err):
                # RAY_ADDRESS or a running `ray start` made init() join that instance, which
                # refuses resources: say so, and how to join it or run apart from it.
                raise InputError(
                    "Another Ray instance is running on this machine (ray status shows it), and "
                    "a new local one cannot be started beside it. Join it with "
                    "address='auto' (--address auto), stop it with `ray stop`, or use "
                    "engine='local'.") from err
            where = f"the Ray cluster at {address!r}" if address else "a local Ray"
            raise InputError(f"Could not start or join {where}: {err}. Check the address "
                             "(ray status on the head node) or use engine='local'.") from err
        started_here = True
    try:
        n_actors = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        n_actors = min(n_actors, len(pending))
        actor_class = ray.remote(num_cpus=1, max_restarts=0)(Explainer)
        actors = [actor_class.remote(job) for _ in range(n_actors)]
        queue = list(pending)
        in_flight: dict = {}

        def submit(actor) -> None:
            if queue:
                sample = queue.pop(0)
                on_start(sample)
                in_flight[actor.explain.remote(sample)] = (actor, sample)

        for actor in actors:
            submit(actor)
        while in_flight:
            done, _ = ray.wait(list(in_flight), num_returns=1)
            actor, sample = in_flight.pop(done[0])
            try:
                outcome = ray.get(done[0])
            except ray.exceptions.RayError as err:  # the actor died: replace it
                outcome = failed_outcome(sample, f"Ray worker failed: {err}")
                ray.kill(actor, no_restart=True)
                actor = actor_class.remote(job)
            on_result(outcome)
            submit(actor)
        for actor in actors:
            ray.kill(actor, no_restart=True)
    finally:
        if started_here:
            ray.shutdown()


__all__ = ["Explainer", "INSTALL_HINT", "import_ray", "run_on_ray"]
