"""Scraping `/metrics` in tests and reading samples out of it, and the in-process app to scrape.

A scrape is a dict keyed by (sample name, frozenset of label pairs):

    samples = scrape(f"{server.base_url}/metrics")                  # a real server over TCP
    samples = await scrape_client(http)                              # an in-process ASGI client
    sample(samples, "paybridge_http_requests_total", method="GET", path="/live", status="200")

Sample names are as exposed: counters end in `_total`, histograms have `_bucket`/`_count`/`_sum`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from prometheus_client.parser import text_string_to_metric_families

from paybridge.bootstrap import Container
from paybridge.entrypoints.http.app import create_app

SampleKey = tuple[str, frozenset[tuple[str, str]]]
Samples = dict[SampleKey, float]


def parse(text: str) -> Samples:
    """Every sample of a Prometheus text exposition."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for name, labels, value, *_ in family.samples:
            samples[(name, frozenset(labels.items()))] = value
    return samples


def scrape(url: str, token: str | None = None, timeout: float = 10.0) -> Samples:
    """GET `url` (a `/metrics` URL) and parse it; fails on any status but 200."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(url, headers=headers, timeout=timeout)
    assert response.status_code == 200, response.text
    return parse(response.text)


async def scrape_client(http: httpx.AsyncClient, path: str = "/metrics", token: str | None = None) -> Samples:
    """The same through an async client (an ASGI transport for the in-process app)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return parse(response.text)


def sample(samples: Samples, name: str, **labels: str) -> float:
    """The value of the sample with exactly these labels; 0.0 when it is absent (nothing happened yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every sample of `name` whose labels include `labels` (others free)."""
    wanted = set(labels.items())
    return sum(value for (n, pairs), value in samples.items() if n == name and wanted <= pairs)


def label_sets(samples: Samples, name: str) -> list[dict[str, str]]:
    """The label sets `name` is exposed with."""
    return [dict(pairs) for (n, pairs) in samples if n == name]


@contextlib.asynccontextmanager
async def app_client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """An async client on the real app built from `container`, its lifespan running (in-process ASGI)."""
    app = create_app(container)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://paybridge.test") as http:
            yield http
