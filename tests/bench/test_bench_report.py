"""bench/bench_report.py on canned output of Kafka's perf tools (no broker needed)."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import bench_report  # noqa: E402
import rdkafka_perf  # noqa: E402

PRODUCER = """log4j:WARN Please initialize the log4j system properly.
95113 records sent, 19018.8 records/sec (1.81 MB/sec), 1200.1 ms avg latency, 1500.0 ms max latency.
200000 records sent, 108225.108225 records/sec (10.32 MB/sec), 20.34 ms avg latency, 669.00 ms max latency, 19 ms 50th, 40 ms 95th, 52 ms 99th, 77 ms 99.9th.
"""
CONSUMER = """log4j:WARN See http://logging.apache.org/log4j/1.2/faq.html#noconfig for more info.
2026-11-24 00:29:05:230, 2026-11-24 00:29:07:222, 19.0735, 9.5750, 200000, 100401.6064, 535, 1457, 13.0909, 137268.3596
"""


META = {"command": "bench/run", "date": "d", "commit": "c", "reps": 1, "machine": "m", "chronik": "build",
        "kafka": "k", "partitions": 4, "minutes": 1}


def render(results, part="throughput"):
    """The report section for one part's results (its charts in a directory thrown away)."""
    with tempfile.TemporaryDirectory() as d:
        return bench_report.render_section({part: {"meta": META, "results": results}}, d)


class BenchReport(unittest.TestCase):
    def test_producer_summary_line(self):
        p = bench_report.parse_producer_perf(PRODUCER)
        self.assertEqual(p["records"], 200000)
        self.assertAlmostEqual(p["mb_s"], 10.32)
        self.assertEqual(p["p99_ms"], 52)
        self.assertEqual(p["p999_ms"], 77)
        with self.assertRaises(ValueError):
            bench_report.parse_producer_perf("no summary here")

    def test_consumer_line_uses_the_fetch_rate(self):
        c = bench_report.parse_consumer_perf(CONSUMER)
        self.assertEqual(c["records"], 200000)
        self.assertAlmostEqual(c["mb_s"], 13.0909)
        with self.assertRaises(ValueError):
            bench_report.parse_consumer_perf("a, b")

    def test_section_replaces_only_its_markers(self):
        doc = "# B\n\n<!-- codec-bench:start -->\nkeep\n<!-- codec-bench:end -->\n"
        once = bench_report.replace_section(doc, "first")
        self.assertIn("keep", once)
        twice = bench_report.replace_section(once, "second")
        self.assertIn("second", twice)
        self.assertNotIn("first", twice)
        self.assertEqual(twice.count(bench_report.START), 1)

    def test_table_medians_and_ratios(self):
        results = {"produce 100 B": {"chronik": [{"mb_s": 30, "p99_ms": 10, "cpu_s_per_gb": 1.0},
                                                 {"mb_s": 50, "p99_ms": 30, "cpu_s_per_gb": 3.0},
                                                 {"mb_s": 40, "p99_ms": 20, "cpu_s_per_gb": 2.0}],
                                     "kafka": [{"mb_s": 20, "p99_ms": 40, "cpu_s_per_gb": 4.0}]},
                   "peak RSS": {"chronik": [{"rss_mb": 50}], "kafka": [{"rss_mb": 500}]}}
        text = render(results)
        self.assertIn("| produce 100 B | 40.0 | 20.0 | 2.00x | 20 | 40 | 0.50x | 2.00 | 4.00 | 0.50x |", text)
        self.assertIn("| peak RSS | 50.00 MiB | 500.00 MiB | 0.10x |", text)

    def test_ratio_of_each_pair(self):
        results = {"produce": {"chronik": [{"mb_s": 30, "p99_ms": 10}, {"mb_s": 60, "p99_ms": None},
                                           {"mb_s": 45, "p99_ms": 5}],
                               "kafka": [{"mb_s": 20, "p99_ms": 40}, {"mb_s": 30, "p99_ms": 20},
                                         {"mb_s": 50, "p99_ms": 10}]},
                   "once": {"chronik": [{"mb_s": 1}], "kafka": [{"mb_s": 2}]}}
        text = render(results)
        self.assertIn("| produce | 1.50 / 2.00 / 0.90 | 0.25 / n/a / 0.50 | n/a |", text)
        self.assertNotIn("| once | 0.50", text)  # a single round is no pair to show

    def test_end_to_end_table(self):
        results = {"e2e": {"chronik": [{"mb_s": 20, "e2e_p50_ms": 1.0, "e2e_p99_ms": 4.0, "e2e_p999_ms": 9.0}],
                           "kafka": [{"mb_s": 20, "e2e_p50_ms": 2.0, "e2e_p99_ms": 16.0, "e2e_p999_ms": 30.0}]}}
        text = render(results)
        self.assertIn("| e2e | 1.00 | 2.00 | 4.00 | 16.00 | 0.25x | 9.00 | 30.00 | 0.30x |", text)

    def test_latency_chart_takes_end_to_end_rows(self):
        results = {"e2e": {"chronik": [{"mb_s": 20, "e2e_p99_ms": 4.0}], "kafka": [{"mb_s": 20, "e2e_p99_ms": 16.0}]}}
        with tempfile.TemporaryDirectory() as d:
            text = bench_report.render_section({"special": {"meta": META, "results": results}}, d)
            self.assertTrue(os.path.getsize(os.path.join(d, "latency.png")) > 0)
        self.assertIn("![latency](bench/latency.png)", text)

    def test_headlines_say_how_many_times_better(self):
        results = {"produce 100 B, acks=1, none": {"chronik": [{"mb_s": 60, "cpu_s_per_gb": 2.0}],
                                                   "kafka": [{"mb_s": 50, "cpu_s_per_gb": 12.0}]},
                   "peak RSS": {"chronik": [{"rss_mb": 80}], "kafka": [{"rss_mb": 480}]},
                   "produce 1024 B, acks=1, 1000 partitions": {"chronik": [{"mb_s": 30}], "kafka": [{"mb_s": 3}]}}
        rows = bench_report.headlines(results)
        # Lower is better for cost, higher for throughput; measures not run are left out.
        self.assertEqual([(label, round(f, 2)) for label, _, _, f in rows],
                         [("broker CPU per GB, producing 100 B records (CPU s/GB)", 6.0),
                          ("peak memory (RSS) (MiB)", 6.0), ("throughput with 1,000 partitions (MB/s)", 10.0)])
        with tempfile.TemporaryDirectory() as d:
            text = bench_report.render_section({"special": {"meta": META, "results": results}}, d)
            self.assertTrue(os.path.getsize(os.path.join(d, "headlines.png")) > 0)
        self.assertLess(text.index("### At a glance"), text.index("### Every figure"))
        self.assertIn("| peak memory (RSS) (MiB) | 80.00 | 480.00 | 6.0x |", text)
        self.assertIn("![headlines](bench/headlines.png)", text)

    def test_cpu_table_ceilings(self):
        results = {"produce": {"chronik": [{"mb_s": 60, "cpu_s_per_gb": 2.0, "client_cpu_s_per_gb": 8.0}],
                               "kafka": [{"mb_s": 50, "cpu_s_per_gb": 7.0, "client_cpu_s_per_gb": 8.0}]}}
        text = render(results)
        self.assertIn("| produce | 8.00 | 2.00 | 8.00 | 7.00 | 1.50x | 1.88x |", text)

    def test_login_table_and_headline(self):
        row = bench_report.login_row("SCRAM-SHA-256", "SASL_PLAINTEXT")
        self.assertEqual(bench_report.login_row("SCRAM-SHA-256", "SASL_SSL"),
                         "SASL logins, SCRAM-SHA-256 over SASL_SSL (a TLS handshake each)")
        results = {row: {"chronik": [{"logins": 40000, "logins_s": 4000, "cpu_ms_per_login": 0.05},
                                     {"logins": 60000, "logins_s": 6000, "cpu_ms_per_login": 0.07}],
                         "kafka": [{"logins": 20000, "logins_s": 2000, "cpu_ms_per_login": 0.3}]}}
        text = render(results, part="security")
        # Medians: 5,000 logins/s and 0.06 ms; the rows of MB/s leave it out.
        self.assertIn(f"| {row} | 5,000 | 2,000 | 2.50x | 0.060 | 0.300 | 0.20x |", text)
        self.assertNotIn(f"| {row} | n/a", text)
        self.assertIn(("SCRAM-SHA-256 logins a second (logins/s)", 5000, 2000, 2.5), bench_report.headlines(results))
        self.assertLess(bench_report.PART_ORDER.index("fsync"), bench_report.PART_ORDER.index("security"))


    def test_each_part_from_its_last_run(self):
        old = {"command": "bench/run", "date": "2026-01-01 00:00 UTC", "commit": "aaa", "reps": 3, "machine": "m",
               "chronik": "build", "kafka": "k", "partitions": 4, "minutes": 50}
        new = dict(old, command="bench/run --only fsync", date="2026-02-01 00:00 UTC", commit="bbb", minutes=2,
                   chronik="build-release")
        parts = {"throughput": {"meta": old, "results": {"produce": {"chronik": [{"mb_s": 2}], "kafka": [{"mb_s": 1}]}}},
                 "fsync": {"meta": new, "results": {"fsync": {"chronik": [{"mb_s": 9}], "kafka": [{"mb_s": 3}]}}}}
        with tempfile.TemporaryDirectory() as d:
            text = bench_report.render_section(parts, d)
        # Each run names the binary it measured.
        self.assertIn("- `bench/run` on 2026-01-01 00:00 UTC at commit `aaa` with `build`, 3 rounds each, 50 minutes: "
                      "throughput.", text)
        self.assertIn("- `bench/run --only fsync` on 2026-02-01 00:00 UTC at commit `bbb` with `build-release`, 3 rounds "
                      "each, 2 minutes: fsync.", text)
        self.assertLess(text.index("| produce |"), text.index("| fsync |"))
        self.assertIn("| fsync | 9.0 | 3.0 | 3.00x |", text)


class RdkafkaPerformance(unittest.TestCase):
    def test_producer_summary(self):
        out = ("% Sending 200000 messages of size 100 bytes\n"
               "% 200000 messages produced (20000000 bytes), 199990 delivered (offset 399999, 10 failed) in 342ms: "
               "584579 msgs/s and 58.46 MB/s, 0 produce failures, 0 in queue, no compression\n")
        p = rdkafka_perf.parse_producer(out)
        self.assertEqual(p["records"], 199990)
        self.assertAlmostEqual(p["mb_s"], 58.46)
        self.assertAlmostEqual(p["seconds"], 0.342)
        with self.assertRaises(ValueError):
            rdkafka_perf.parse_producer("% Sending 10 messages")

    def test_consumer_summary(self):
        out = ("% Group rebalanced (EAGER): 4 partition(s) revoked\n"
               "% 240000 messages (245760000 bytes) consumed in 699ms: 342984 msgs/s (351.22 MB/s)\n"
               "% Average application fetch latency: 15us\n")
        c = rdkafka_perf.parse_consumer(out)
        self.assertEqual(c["records"], 240000)
        self.assertAlmostEqual(c["mb_s"], 351.22)
        self.assertAlmostEqual(c["gb"], 0.24576)
        with self.assertRaises(ValueError):
            rdkafka_perf.parse_consumer("% Group rebalanced")

    def test_percentiles_nearest_rank(self):
        p = rdkafka_perf.percentiles(list(range(1000, 1001000, 1000)))  # 1..1000 ms, shuffled order irrelevant
        self.assertEqual(p["e2e_p50_ms"], 500)
        self.assertEqual(p["e2e_p99_ms"], 990)
        self.assertEqual(p["e2e_p999_ms"], 999)
        self.assertEqual(rdkafka_perf.percentiles([7000])["e2e_p999_ms"], 7)
        with self.assertRaises(ValueError):
            rdkafka_perf.percentiles([])


if __name__ == "__main__":
    unittest.main()
