"""The live feed's gauges, read when /metrics is scraped."""

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from api.live.feed import ChangeFeed


class LiveCollector(Collector):
    def __init__(self, feed: ChangeFeed) -> None:
        self.feed = feed

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        hub = self.feed.hub
        yield GaugeMetricFamily(
            "reelgraph_live_subscriptions",
            "Live subscriptions open in this process",
            self.feed.subscriptions,
        )
        yield GaugeMetricFamily(
            "reelgraph_live_source_connected",
            "1 while this process receives changes (listening or polling), else 0",
            int(self.feed.running and self.feed.source.connected),
        )
        yield CounterMetricFamily(
            "reelgraph_live_changes", "Changes received by this process", hub.published
        )
