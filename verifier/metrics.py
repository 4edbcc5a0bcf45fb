"""Prometheus metrics, in the two places they are true.

What every process can see (proofs by status, webhook deliveries by status,
queue depths) is read from the store and Redis when ``/metrics`` of the API
is scraped, so any number of API processes agree. What happens inside a
worker (each verification's latency and outcome, each check's outcome,
browser recycles) is counted in that worker and served by the worker itself
(``verifier worker --metrics-port``), the usual pattern for queue workers
on many hosts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from redis import Redis

    from verifier.models import Verdict
    from verifier.store import Store

# -- worker side: counted where it happens ----------------------------------

WORKER_REGISTRY = CollectorRegistry(auto_describe=True)

PROOFS_VERIFIED = Counter(
    "verifier_proofs_verified_total", "Verification attempts finished, by kind and status.",
    ["kind", "status"], registry=WORKER_REGISTRY)
VERIFY_SECONDS = Histogram(
    "verifier_verify_seconds", "Time to verify one proof (live check and forensics).",
    ["platform"], registry=WORKER_REGISTRY,
    buckets=(0.5, 1, 2, 5, 10, 20, 40, 80, 160, float("inf")))
CHECK_OUTCOMES = Counter(
    "verifier_check_outcomes_total", "Checks run, by name and outcome.",
    ["check", "outcome"], registry=WORKER_REGISTRY)
BROWSER_RECYCLES = Counter(
    "verifier_browser_recycles_total", "Browsers retired and relaunched, by reason.",
    ["reason"], registry=WORKER_REGISTRY)
WEBHOOK_ATTEMPTS = Counter(
    "verifier_webhook_attempts_total", "Webhook delivery attempts, by result.",
    ["result"], registry=WORKER_REGISTRY)


def observe_verdict(verdict: Verdict, kind: str, platform: str, seconds: float) -> None:
    PROOFS_VERIFIED.labels(kind, verdict.status).inc()
    VERIFY_SECONDS.labels(platform).observe(seconds)
    for check in verdict.checks:
        CHECK_OUTCOMES.labels(check.name, check.outcome).inc()


def serve_worker_metrics(port: int, addr: str = "0.0.0.0") -> None:
    """Serve this worker's counters on ``port`` (a thread; lives as long as the worker)."""
    start_http_server(port, addr=addr, registry=WORKER_REGISTRY)


# -- API side: read from the shared state at scrape time ----------------------


class StateCollector(Collector):
    """Gauges from the store and Redis, computed on each scrape."""

    def __init__(self, store: Store, redis: Redis, queues: list[str]) -> None:
        self.store = store
        self.redis = redis
        self.queues = queues

    def collect(self) -> Iterator[Metric]:
        proofs = GaugeMetricFamily("verifier_proofs", "Proofs in the store by current status.",
                                   labels=["status"])
        for status, count in sorted(self.store.counts_by_status().items()):
            proofs.add_metric([status], count)
        yield proofs
        hooks = GaugeMetricFamily("verifier_webhook_deliveries",
                                  "Webhook deliveries by status (failed = gave up).",
                                  labels=["status"])
        for status, count in sorted(self.store.webhooks.counts_by_status().items()):
            hooks.add_metric([status], count)
        yield hooks
        depth = GaugeMetricFamily("verifier_queue_depth", "Jobs waiting in each RQ queue.",
                                  labels=["queue"])
        try:
            for name in self.queues:
                depth.add_metric([name], float(self.redis.llen(f"rq:queue:{name}")))
        except Exception:  # Redis down: the other gauges still tell the truth
            pass
        yield depth


def api_registry(store: Store, redis: Redis, queues: list[str]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StateCollector(store, redis, queues))
    return registry
