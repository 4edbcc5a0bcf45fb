"""Queue workers that keep one Chromium and one OCR engine warm.

RQ's default worker forks a child per job, which would launch a browser per
job (the naive design the benchmark compares against). ``VerifierWorker`` is
a ``SimpleWorker``: jobs run in the worker process itself, next to the warm
resources built once on start-up. Several processes scale it on one host,
and any number of hosts can pull from the same Redis.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from datetime import timedelta
from typing import Any

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from jobs import tasks
from jobs.connections import redis_from_url
from jobs.politeness import redis_politeness
from jobs.queues import ALIVE_KEY, AllowedJob, get_queue, get_reverify_queue, get_webhook_queue
from jobs.sweeper import sweep_proofs
from verifier import logs, metrics
from verifier.settings import Settings, get_settings
from verifier.store import Store
from verifier.verify import Verifier

log = logging.getLogger(__name__)


class VerifierWorker(SimpleWorker):
    """Builds the warm ``Verifier`` before the first job, closes it on exit."""

    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings

    def run_maintenance_tasks(self) -> None:
        """RQ's registry cleaning, then the sweeper, by one worker per interval."""
        super().run_maintenance_tasks()
        interval = max(self.settings.sweep_interval_s, 1)
        if not self.connection.set("verifier:sweep-lock", self.name, nx=True, ex=interval):
            return
        try:
            report = sweep_proofs(
                tasks.get_store(), get_queue(self.connection, self.settings),
                stuck_after=timedelta(seconds=self.settings.stuck_after_s),
                max_sweeps=self.settings.max_sweeps,
                webhook_queue=get_webhook_queue(self.connection, self.settings))
        except Exception:  # the sweeper must never take the worker down
            log.exception("the sweeper failed; it runs again next interval")
            return
        if report.requeued or report.flagged or report.webhooks:
            log.warning("sweeper: %d proof(s) re-enqueued, %d flagged, %d webhook(s) resent",
                        len(report.requeued), len(report.flagged), report.webhooks)

    def work(self, *args: Any, **kwargs: Any) -> bool:
        stop = threading.Event()
        beat = threading.Thread(target=self._stay_alive, args=(stop,), daemon=True,
                                name="verifier-alive")
        beat.start()
        # One rate and one pause per platform for all workers of the deployment.
        verifier = Verifier(self.settings,
                            politeness=redis_politeness(self.settings, self.connection))
        tasks.set_context(verifier, self.connection)
        try:
            return super().work(*args, **kwargs)
        finally:
            tasks.set_context(None)
            verifier.close()
            stop.set()
            beat.join()
            self.connection.delete(ALIVE_KEY.format(name=self.name))

    def _stay_alive(self, stop: threading.Event) -> None:
        """Renew the alive key while this process lives, even during a long job (a
        thread: a SimpleWorker sends RQ no heartbeat while its job runs). A SIGKILL
        stops it, and the key lapses within VERIFIER_WORKER_ALIVE_TTL."""
        ttl = self.settings.worker_alive_ttl_s
        key = ALIVE_KEY.format(name=self.name)
        while True:
            try:
                self.connection.set(key, os.getpid(), ex=ttl)
            except Exception:  # Redis away for a moment: the next beat tries again
                log.warning("could not renew %s", key, exc_info=True)
            if stop.wait(ttl / 3):
                return


def run_worker(settings: Settings, burst: bool = False, name: str | None = None,
               metrics_port: int | None = None) -> None:
    if not settings.redis_url:
        raise SystemExit("REDIS_URL is not set: the worker needs Redis")
    Store(settings.db_url).check_schema("verifier worker")
    if metrics_port is not None:
        metrics.serve_worker_metrics(metrics_port)
    conn = redis_from_url(settings.redis_url)
    # Webhooks first: they are cheap, and a long proof backlog must not hold them back.
    # Re-checks last: a batch of thousands must not delay a new proof.
    queues = [get_webhook_queue(conn, settings), get_queue(conn, settings),
              get_reverify_queue(conn, settings)]
    worker = VerifierWorker(queues, connection=conn, settings=settings, name=name,
                            serializer=JSONSerializer, job_class=AllowedJob,
                            maintenance_interval=max(settings.sweep_interval_s, 1))
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


def _child(overrides: dict[str, Any], burst: bool, index: int, metrics_port: int | None,
           log_level: int, log_format: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    logs.setup(log_level, log_format)
    settings = get_settings(**overrides)
    run_worker(settings, burst=burst, name=f"verifier-{os.getpid()}-{index}",
               metrics_port=None if metrics_port is None else metrics_port + index)


def run_workers(settings: Settings, processes: int = 1, burst: bool = False,
                metrics_port: int | None = None) -> None:
    """Run ``processes`` workers; one runs in this process when processes == 1."""
    if processes <= 1:
        run_worker(settings, burst=burst, metrics_port=metrics_port)
        return
    ctx = multiprocessing.get_context("spawn")
    overrides = settings.model_dump(by_alias=False, exclude_unset=True)
    level = logging.getLogger().level
    fmt = os.environ.get("VERIFIER_LOG_FORMAT", "text")
    children = [ctx.Process(target=_child, daemon=False,
                            args=(overrides, burst, i, metrics_port, level, fmt))
                for i in range(processes)]
    for child in children:
        child.start()
    try:
        for child in children:
            child.join()
    except KeyboardInterrupt:
        for child in children:
            if child.pid:
                os.kill(child.pid, signal.SIGTERM)
        for child in children:
            child.join(timeout=30)
