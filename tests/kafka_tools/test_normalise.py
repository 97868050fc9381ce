"""The normalisation and the difference sentences of tests/kafka_tools/run, on canned tool
output (what Kafka 3.9.1's tools print); run: python3 tests/kafka_tools/test_normalise.py"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from normalise import describe, normalise  # noqa: E402


def result(stdout, exit=0, stderr="", sort=False):
    return {"exit": exit, "stdout_lines": normalise(stdout, 40001, sort=sort), "stderr_lines": normalise(stderr, 40001)}


class NormaliseTest(unittest.TestCase):
    def test_what_differs_per_cluster_is_made_generic(self):
        a = normalise("Topic: t\tTopicId: nt8N3-mDQ0S_42DGpUI1tw\tPartitionCount: 3\n"
                      "Cluster ID: 2i7W0RThSZWbxFMbeQgeOQ\n"
                      "kt-live  kt-live-client-0b4cfdd2-fdda-4cc9-a8b0-f98065bd5e5e /127.0.0.1  kt-live-client\n"
                      "CreateTime:1796448020724\tPartition:0\n127.0.0.1:40001 (id: 1 rack: null)\n", 40001)
        b = normalise("Topic: t  TopicId: AAAAAAAAAAAAAAAAAAAAAg  PartitionCount: 3\n"
                      "Cluster ID: hTvwpQqHRJmtrbjwpJKVOA\n"
                      "kt-live kt-live-client-9a731cbe-6c7a-47ed-b0c6-3a4c7b5efcaa /127.0.0.1 kt-live-client\n"
                      "CreateTime:1796448029999 Partition:0\n127.0.0.1:40002 (id: 1 rack: null)\n", 40002)
        self.assertEqual(a, b)
        self.assertIn("Topic: t TopicId: TOPIC-ID PartitionCount: 3", a)

    def test_what_a_broker_decides_is_kept(self):
        self.assertNotEqual(normalise("kt-orders:0:12\n", 40001), normalise("kt-orders:0:13\n", 40001))
        self.assertNotEqual(normalise("Leader: 1\tReplicas: 1\n", 40001), normalise("Leader: 2\tReplicas: 2\n", 40001))
        self.assertNotEqual(normalise("exit\n", 40001), normalise("", 40001))

    def test_sort_orders_rows_and_json_lists(self):
        self.assertEqual(normalise("b\na\n", 40001, sort=True), normalise("a\nb\n", 40001, sort=True))
        self.assertEqual(normalise('{"p":[{"x":2},{"x":1}]}', 40001, sort=True),
                         normalise('{"p":[{"x":1},{"x":2}]}', 40001, sort=True))
        self.assertNotEqual(normalise("b\na\n", 40001), normalise("a\nb\n", 40001))

    def test_mask(self):
        mask = [(r"Epoch: \d+", "Epoch: N")]
        self.assertEqual(normalise("Epoch: 363", 40001, mask=mask), normalise("Epoch: 359", 40001, mask=mask))

    def test_config_listing_differences_are_named(self):
        kafka = result("  a.b=1 sensitive=false synonyms={}\n  c.d=2 sensitive=false synonyms={}\n"
                       "  e.f=3 sensitive=false synonyms={}\n  g.h=4 sensitive=false synonyms={}\n")
        chronik = result("  a.b=1 sensitive=false synonyms={}\n  c.d=5 sensitive=false synonyms={}\n"
                         "  e.f=3 sensitive=false synonyms={}\n")
        text = describe(kafka, chronik)
        self.assertIn("1 configs only on Kafka (g.h)", text)
        self.assertIn("c.d (Kafka 2, Chronik 5)", text)

    def test_exit_and_lines(self):
        text = describe(result("Created topic t.\n"), result("Error while executing topic command : boom\n", exit=1))
        self.assertIn("exit 1 (Kafka 0)", text)
        self.assertIn("Kafka prints `Created topic t.`", text)
        self.assertIn("Chronik prints `Error while executing topic command : boom`", text)

    def test_unsupported_apis_are_named(self):
        lines = "".join(f"Api{i}({i}): 0 to 3 [usable: 3],\n" for i in range(12))
        text = describe(result(lines), result(lines.replace("Api3(3): 0 to 3 [usable: 3]", "Api3(3): UNSUPPORTED")))
        self.assertIn("1 APIs Kafka serves are UNSUPPORTED on Chronik (Api3)", text)


if __name__ == "__main__":
    unittest.main()
