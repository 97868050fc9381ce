"""The admin HTTP endpoint of the real chronik binary: every resource, every error class,
Prometheus output through a real parser, Kafka clients on REST-created topics (and the
reverse), consumer groups, what web pages must not do (cross-site requests, DNS rebinding,
CORS), the admin token kept off the command line, and (with --dashboard) the dashboard and
a hostile page of another origin in headless Chromium.

usage: test_admin.py <path to chronik> [--dashboard <artifact dir>]
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

CHRONIK = sys.argv.pop(1) if len(sys.argv) > 1 else "chronik"
DASHBOARD_DIR = None
if "--dashboard" in sys.argv:
    i = sys.argv.index("--dashboard")
    DASHBOARD_DIR = sys.argv[i + 1]
    del sys.argv[i:i + 2]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import chronik_broker  # noqa: E402


def start_broker(*overrides, env=None):
    return chronik_broker.Broker(CHRONIK, *overrides, admin=True, prefix="chronik-admin-", env=env)


def call(broker, method, path, body=None, token=None, raw=None, headers=None):
    """(status, headers, parsed JSON or text). A request that changes state says
    Content-Type: application/json unless `headers` says otherwise."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(broker.url + path, data=data, method=method)
    if data is not None or method not in ("GET", "HEAD", "OPTIONS"):
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, hdrs, text = r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, e.headers, e.read().decode()
    ctype = hdrs.get("Content-Type", "")
    return status, hdrs, json.loads(text) if ctype.startswith("application/json") else text


def produce(bootstrap, topic, records, **config):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, **config})
    errors = []
    for r in records:
        p.produce(topic, on_delivery=lambda e, m: e and errors.append(e), **r)
    assert p.flush(30) == 0 and not errors, errors


def metric_families(text):
    from prometheus_client.parser import text_string_to_metric_families
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample_value(families, family, name, **labels):
    for s in families[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


def until(get, want, timeout=10):
    """Polls get() until want(value) holds or the time is up; the last value."""
    deadline = time.time() + timeout
    while True:
        value = get()
        if want(value) or time.time() > deadline:
            return value
        time.sleep(0.1)


class Admin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = start_broker("admin.max.body.bytes=4096", "admin.idle.timeout.ms=1000")

    @classmethod
    def tearDownClass(cls):
        assert cls.broker.stop() == 0

    def call(self, *args, **kwargs):
        return call(self.broker, *args, **kwargs)

    # --- health, broker, openapi --------------------------------------------------------
    def test_health(self):
        for path, status in (("/v1/health/live", "live"), ("/v1/health/ready", "ready")):
            code, hdrs, body = self.call("GET", path)
            self.assertEqual(code, 200, body)
            self.assertEqual(body["status"], status)
        self.assertTrue(body["checks"]["storage"] and body["checks"]["kafka_listener"])

    def test_broker_info_and_config(self):
        code, _, b = self.call("GET", "/v1/broker")
        self.assertEqual(code, 200)
        self.assertEqual(b["node_id"], 1)
        self.assertEqual(b["listeners"][0]["port"], self.broker.port)
        self.assertGreaterEqual(b["uptime_ms"], 0)
        self.assertTrue(b["cluster_id"])
        self.assertRegex(b["version"], r"^\d+\.\d+\.\d+$")
        code, _, c = self.call("GET", "/v1/broker/config")
        configs = {e["name"]: e for e in c["configs"]}
        self.assertEqual(configs["admin.max.body.bytes"]["value"], "4096")
        self.assertEqual(configs["admin.max.body.bytes"]["source"], "STATIC_BROKER_CONFIG")
        self.assertTrue(configs["admin.auth.token"]["sensitive"])

    def test_openapi_documents_every_route(self):
        code, _, doc = self.call("GET", "/v1/openapi.json")
        self.assertEqual(code, 200)
        self.assertTrue(doc["openapi"].startswith("3."))
        self.call("POST", "/v1/topics", {"name": "oa", "partitions": 1})
        for path, ops in doc["paths"].items():
            concrete = (path.replace("{topic}", "oa").replace("{partition}", "0")
                        .replace("{group}", "no-such-group").replace("{transactional_id}", "no-such-id"))
            for method in ops:
                if method in ("parameters",) or method in ("delete", "post", "patch"):
                    continue
                code, _, _ = self.call(method.upper(), concrete)
                self.assertNotIn(code, (405,), f"{method} {path}")
                self.assertTrue(code != 404 or "{group}" in path or "{transactional_id}" in path,
                                f"{method} {path} -> {code}")

    # --- topics ---------------------------------------------------------------------------
    def test_rest_topic_used_by_kafka_client(self):
        from confluent_kafka import Consumer, TopicPartition
        code, _, t = self.call("POST", "/v1/topics",
                               {"name": "rest-made", "partitions": 3, "configs": {"retention.ms": "86400000"}})
        self.assertEqual(code, 201, t)
        self.assertEqual(t["partitions"], 3)
        produce(self.broker.bootstrap, "rest-made",
                [{"value": f"v{i}".encode(), "partition": i % 3} for i in range(30)])
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "unused",
                      "enable.auto.commit": False})
        c.assign([TopicPartition("rest-made", p, 0) for p in range(3)])
        got = []
        deadline = time.time() + 20
        while len(got) < 30 and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append(m.value())
        c.close()
        self.assertEqual(sorted(got), sorted(f"v{i}".encode() for i in range(30)))
        code, _, d = self.call("GET", "/v1/topics/rest-made")
        self.assertEqual(code, 200)
        self.assertEqual(d["messages"], 30)
        self.assertEqual([p["log_end_offset"] for p in d["partition_details"]], [10, 10, 10])
        self.assertTrue(all(p["size_bytes"] > 0 for p in d["partition_details"]))
        self.assertEqual(d["configs"], {"retention.ms": "86400000"})
        self.assertEqual(d["messages_in_total"], 30)

    def test_kafka_topic_seen_by_rest_and_deleted_by_rest(self):
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        for f in admin.create_topics([NewTopic("kafka-made", 2, 1)]).values():
            f.result()
        produce(self.broker.bootstrap, "kafka-made", [{"value": b"x", "partition": 1}] * 7)
        code, _, listing = self.call("GET", "/v1/topics")
        topics = {t["name"]: t for t in listing["topics"]}
        self.assertEqual(topics["kafka-made"]["partitions"], 2)
        self.assertEqual(topics["kafka-made"]["messages"], 7)
        code, _, body = self.call("DELETE", "/v1/topics/kafka-made")
        self.assertEqual(code, 200, body)
        self.assertEqual(self.call("GET", "/v1/topics/kafka-made")[0], 404)
        md = admin.list_topics(timeout=10)
        self.assertNotIn("kafka-made", md.topics)

    def test_topic_list_pages(self):
        for i in range(25):
            self.assertEqual(self.call("POST", "/v1/topics", {"name": f"paged-{i:02d}", "partitions": 1 + i % 3})[0], 201)
        seen = []
        offset = 0
        while offset is not None:
            code, _, page = self.call("GET", f"/v1/topics?q=PAGED-&limit=10&offset={offset}")
            self.assertEqual(code, 200, page)
            self.assertEqual(page["total"], 25)
            self.assertLessEqual(len(page["topics"]), 10)
            seen += [t["name"] for t in page["topics"]]
            offset = page["next_offset"]
        self.assertEqual(seen, [f"paged-{i:02d}" for i in range(25)])
        # Totals count every topic, not only the page's.
        _, _, everything = self.call("GET", "/v1/topics?limit=1000")
        self.assertEqual(page["totals"]["topics"], everything["total"])
        self.assertEqual(page["totals"]["partitions"], sum(t["partitions"] for t in everything["topics"]))
        _, _, top = self.call("GET", "/v1/topics?q=paged&sort=partitions&order=desc&limit=8")
        self.assertEqual({t["partitions"] for t in top["topics"]}, {3})
        self.assertEqual(top["next_offset"], 8)
        _, _, hidden = self.call("GET", "/v1/topics?internal=false&limit=1000")
        self.assertFalse([t for t in hidden["topics"] if t["name"].startswith("__")], hidden)
        for query, field in (("limit=1001", "limit"), ("limit=0", "limit"), ("offset=-1", "offset"),
                             ("sort=colour", "sort"), ("order=up", "order"), ("internal=yes", "internal")):
            code, _, body = self.call("GET", "/v1/topics?" + query)
            self.assertEqual((code, body.get("field")), (400, field), body)

    def test_topic_configs(self):
        self.call("POST", "/v1/topics", {"name": "cfg", "partitions": 1})
        code, _, body = self.call("PATCH", "/v1/topics/cfg/configs",
                                  {"set": {"cleanup.policy": "delete", "retention.bytes": "1048576"}})
        self.assertEqual(code, 200, body)
        code, _, body = self.call("PATCH", "/v1/topics/cfg/configs", {"delete": ["cleanup.policy"]})
        self.assertEqual(body["overrides"], {"retention.bytes": "1048576"})
        code, _, body = self.call("GET", "/v1/topics/cfg/configs")
        configs = {e["name"]: e for e in body["configs"]}
        self.assertEqual(configs["retention.bytes"]["value"], "1048576")
        self.assertEqual(configs["retention.bytes"]["source"], "DYNAMIC_TOPIC_CONFIG")
        self.assertEqual(configs["cleanup.policy"]["source"], "DEFAULT_CONFIG")
        # The Kafka view agrees.
        from confluent_kafka.admin import AdminClient, ConfigResource
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        res = ConfigResource("topic", "cfg")
        seen = list(admin.describe_configs([res]).values())[0].result()
        self.assertEqual(seen["retention.bytes"].value, "1048576")

    # --- message browser ------------------------------------------------------------------
    def test_message_browser(self):
        self.call("POST", "/v1/topics", {"name": "browse", "partitions": 1})
        t0 = int(time.time() * 1000) - 100000
        records = []
        for i in range(10):
            records.append({"key": f"k{i}".encode(), "value": f"héllo {i}".encode(),
                            "headers": [("h", f"{i}".encode()), ("bin", b"\xff\x00")], "timestamp": t0 + i * 1000})
        records.append({"key": None, "value": b"\x00\x9f\xff", "timestamp": t0 + 20000})
        produce(self.broker.bootstrap, "browse", records, **{"compression.type": "gzip", "linger.ms": 50})
        code, _, r = self.call("GET", "/v1/topics/browse/partitions/0/records?offset=3&limit=4")
        self.assertEqual(code, 200, r)
        self.assertEqual([x["offset"] for x in r["records"]], [3, 4, 5, 6])
        first = r["records"][0]
        self.assertEqual(first["key"], {"encoding": "utf8", "data": "k3"})
        self.assertEqual(first["value"], {"encoding": "utf8", "data": "héllo 3"})
        self.assertEqual(first["timestamp"], t0 + 3000)
        self.assertEqual(first["headers"][0], {"key": "h", "value": {"encoding": "utf8", "data": "3"}})
        self.assertEqual(first["headers"][1]["value"],
                         {"encoding": "base64", "data": base64.b64encode(b"\xff\x00").decode()})
        self.assertEqual(r["next_offset"], 7)
        # By timestamp.
        code, _, r = self.call("GET", f"/v1/topics/browse/partitions/0/records?timestamp={t0 + 8500}&limit=5")
        self.assertEqual([x["offset"] for x in r["records"]], [9, 10])
        last = r["records"][1]
        self.assertIsNone(last["key"])
        self.assertEqual(last["value"], {"encoding": "base64", "data": base64.b64encode(b"\x00\x9f\xff").decode()})
        # Forced base64.
        code, _, r = self.call("GET", "/v1/topics/browse/partitions/0/records?offset=0&limit=1&encoding=base64")
        self.assertEqual(r["records"][0]["value"]["data"], base64.b64encode("héllo 0".encode()).decode())
        # Past the end: nothing.
        code, _, r = self.call("GET", "/v1/topics/browse/partitions/0/records?offset=11")
        self.assertEqual(r["records"], [])

    def test_message_browser_caps_its_answer(self):
        # 30 values of 100 KB: one answer holds about 1 MiB of them (the default max_bytes),
        # however many records `limit` allows, and says where to go on.
        self.call("POST", "/v1/topics", {"name": "browse-big", "partitions": 1,
                                         "configs": {"max.message.bytes": "5000000"}})
        produce(self.broker.bootstrap, "browse-big", [{"value": bytes([65 + i % 26]) * 100_000} for i in range(30)]
                + [{"key": b"huge", "value": b"z" * 3_000_000}], **{"message.max.bytes": 5_000_000})
        code, _, r = self.call("GET", "/v1/topics/browse-big/partitions/0/records?limit=1000")
        self.assertEqual(code, 200, r)
        shown = sum(len(x["value"]["data"]) for x in r["records"])
        self.assertLessEqual(shown, 1 << 20)
        self.assertGreaterEqual(shown, (1 << 20) - 100_000)
        self.assertEqual(len(r["records"]), 11)
        self.assertTrue(r["records"][-1]["value"]["truncated"])  # the 11th was cut to what was left
        self.assertEqual(r["records"][-1]["value"]["size"], 100_000)
        self.assertEqual(r["next_offset"], 11)
        code, _, r = self.call("GET", "/v1/topics/browse-big/partitions/0/records?offset=11&limit=1000&max_bytes=250000")
        self.assertEqual([x["offset"] for x in r["records"]], [11, 12, 13])
        # A value above the budget alone is cut to it and says its size.
        code, _, r = self.call("GET", "/v1/topics/browse-big/partitions/0/records?offset=30&max_bytes=1000")
        big = r["records"][0]
        self.assertEqual(big["key"], {"encoding": "utf8", "data": "huge"})
        self.assertEqual(big["value"], {"encoding": "utf8", "data": "z" * 996, "truncated": True, "size": 3_000_000})
        code, _, r = self.call("GET", "/v1/topics/browse-big/partitions/0/records?max_bytes=0")
        self.assertEqual(code, 400, r)

    def test_message_browser_newest_first_and_search(self):
        self.call("POST", "/v1/topics", {"name": "browse-search", "partitions": 1})
        produce(self.broker.bootstrap, "browse-search",
                [{"key": f"user-{i}".encode(), "value": (f'{{"n": {i}, "colour": "RED"}}' if i % 7 == 0 else f"plain {i}").encode(),
                  "headers": [("trace", b"needle" if i == 50 else b"hay")]} for i in range(100)])
        base = "/v1/topics/browse-search/partitions/0/records"
        code, _, r = self.call("GET", base + "?order=newest&limit=5")
        self.assertEqual(code, 200, r)
        self.assertEqual([x["offset"] for x in r["records"]], [99, 98, 97, 96, 95])
        self.assertEqual(r["next_offset"], 94)
        code, _, r = self.call("GET", base + "?order=newest&limit=3&offset=2")
        self.assertEqual([x["offset"] for x in r["records"]], [2, 1, 0])
        self.assertEqual(r["next_offset"], -1)
        # Search: value text (case-insensitive), key only, header value; both orders.
        code, _, r = self.call("GET", base + "?q=red&limit=100")
        self.assertEqual([x["offset"] for x in r["records"]], list(range(0, 100, 7)))
        code, _, r = self.call("GET", base + "?q=red&order=newest&limit=3")
        self.assertEqual([x["offset"] for x in r["records"]], [98, 91, 84])
        self.assertEqual(r["next_offset"], 77)  # the next match: 78..83 hold none
        code, _, r = self.call("GET", base + f"?q=red&order=newest&limit=3&offset={r['next_offset']}")
        self.assertEqual([x["offset"] for x in r["records"]], [77, 70, 63])
        code, _, r = self.call("GET", base + "?q=user-4&search_in=key&limit=100")
        self.assertEqual([x["offset"] for x in r["records"]], [4] + list(range(40, 50)))
        code, _, r = self.call("GET", base + "?q=user-4&search_in=value")
        self.assertEqual(r["records"], [])
        code, _, r = self.call("GET", base + "?q=needle&search_in=headers")
        self.assertEqual([x["offset"] for x in r["records"]], [50])
        # The scan budget bounds a search that finds nothing, and says where to go on.
        code, _, r = self.call("GET", base + "?q=absent&max_scan=30")
        self.assertEqual((r["records"], r["scanned"], r["next_offset"]), ([], 30, 30))
        code, _, r = self.call("GET", base + "?q=absent&order=newest&max_scan=30")
        self.assertEqual((r["records"], r["scanned"], r["next_offset"]), ([], 30, 69))
        for bad, field in (("order=up", "order"), ("search_in=body", "search_in"), ("max_scan=0", "max_scan")):
            code, _, r = self.call("GET", base + "?" + bad)
            self.assertEqual((code, r["field"]), (400, field), bad)

    def test_produce_from_the_api(self):
        from confluent_kafka import Consumer, TopicPartition
        self.call("POST", "/v1/topics", {"name": "produced", "partitions": 4})
        code, _, r = self.call("POST", "/v1/topics/produced/records",
                               {"key": "k1", "value": '{"a": 1}', "partition": 2,
                                "headers": [{"key": "h", "value": "v"}, {"key": "nothing", "value": None}]})
        self.assertEqual(code, 201, r)
        self.assertEqual((r["partition"], r["offset"]), (2, 0))
        code, _, r = self.call("POST", "/v1/topics/produced/records",
                               {"value": base64.b64encode(b"\x00\xff").decode(), "encoding": "base64",
                                "partition": 2, "timestamp": 1700000000000})
        self.assertEqual((code, r["offset"], r["timestamp"]), (201, 1, 1700000000000), r)
        # Without a partition, a key goes where Kafka's murmur2 partitioner sends it.
        code, _, keyed = self.call("POST", "/v1/topics/produced/records", {"key": "order-42", "value": "x"})
        self.assertEqual(code, 201, keyed)
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": self.broker.bootstrap, "partitioner": "murmur2_random"})
        where = []
        p.produce("produced", key=b"order-42", value=b"y", on_delivery=lambda e, m: where.append(m.partition()))
        p.flush(10)
        self.assertEqual(where, [keyed["partition"]])
        # A real consumer reads what the API wrote, headers and all.
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "produced-reader",
                      "enable.auto.commit": False})
        c.assign([TopicPartition("produced", 2, 0)])
        got = []
        deadline = time.time() + 20
        while len(got) < 2 and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append(m)
        c.close()
        self.assertEqual([(m.key(), m.value()) for m in got], [(b"k1", b'{"a": 1}'), (None, b"\x00\xff")])
        self.assertEqual(got[0].headers(), [("h", b"v"), ("nothing", None)])
        self.assertEqual(got[1].timestamp()[1], 1700000000000)
        # Refusals name the field.
        for body, code_, field in (({"value": "x", "partition": 9}, 404, "partition"),
                                   ({"value": "x", "partition": -1}, 400, "partition"),
                                   ({"value": "x", "colour": "red"}, 400, "colour"),
                                   ({"value": 5}, 400, "value"),
                                   ({"value": "!!", "encoding": "base64"}, 400, "value"),
                                   ({"headers": [{"value": "v"}]}, 400, "headers[0].key")):
            code, _, r = self.call("POST", "/v1/topics/produced/records", body)
            self.assertEqual((code, r.get("field")), (code_, field), body)
        self.assertEqual(self.call("POST", "/v1/topics/nope/records", {"value": "x"})[0], 404)
        self.assertEqual(self.call("POST", "/v1/topics/__consumer_offsets/records", {"value": "x"})[0], 400)
        self.call("POST", "/v1/topics", {"name": "produced-small", "partitions": 1, "configs": {"max.message.bytes": "200"}})
        code, _, r = self.call("POST", "/v1/topics/produced-small/records", {"value": "z" * 300})
        self.assertEqual(code, 413, r)

    def test_topic_consumers(self):
        from confluent_kafka import Consumer
        self.call("POST", "/v1/topics", {"name": "consumed", "partitions": 2})
        produce(self.broker.bootstrap, "consumed", [{"value": b"a", "partition": i % 2} for i in range(6)])
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "consumed-g",
                      "auto.offset.reset": "earliest", "enable.auto.commit": False})
        c.subscribe(["consumed"])
        got = 0
        deadline = time.time() + 30
        while got < 6 and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got += 1
        c.commit(asynchronous=False)
        code, _, r = self.call("GET", "/v1/topics/consumed/consumers")
        self.assertEqual(code, 200, r)
        [g] = [g for g in r["groups"] if g["group_id"] == "consumed-g"]
        self.assertEqual((g["state"], g["members"], g["lag"]), ("Stable", 1, 0))
        c.close()
        produce(self.broker.bootstrap, "consumed", [{"value": b"b", "partition": 1}] * 3)
        code, _, r = self.call("GET", "/v1/topics/consumed/consumers")
        [g] = [g for g in r["groups"] if g["group_id"] == "consumed-g"]
        self.assertEqual((g["state"], g["members"], g["lag"]), ("Empty", 0, 3))
        self.assertEqual({p["partition"]: p["lag"] for p in g["partitions"]}, {0: 0, 1: 3})
        self.assertEqual(self.call("GET", "/v1/topics/nope/consumers")[0], 404)

    # --- error classes ----------------------------------------------------------------------
    def test_400_names_the_field(self):
        cases = [
            (dict(raw=b"{not json"), "body"),
            (dict(raw=b"[1,2]"), "body"),
            (dict(body={"partitions": 1}), "name"),
            (dict(body={"name": 5}), "name"),
            (dict(body={"name": "bad/name"}), "name"),
            (dict(body={"name": "ok-name", "partitions": "three"}), "partitions"),
            (dict(body={"name": "ok-name", "partitions": 0}), "partitions"),
            # Kafka's bound of one request: 10,000 records, the topic's own and a config's too.
            (dict(body={"name": "ok-name", "partitions": 10000}), "partitions"),
            (dict(body={"name": "ok-name", "partitions": 2**31 - 1}), "partitions"),
            (dict(body={"name": "ok-name", "partitions": 9999, "configs": {"retention.ms": "1000"}}), "partitions"),
            (dict(body={"name": "ok-name", "replication_factor": 3}), "replication_factor"),
            (dict(body={"name": "ok-name", "configs": {"retention.ms": "soon"}}), "configs.retention.ms"),
            (dict(body={"name": "ok-name", "configs": {"no.such.config": "1"}}), "configs.no.such.config"),
            # A key whose name ends another key's name is named itself (was configs.retention.ms).
            (dict(body={"name": "ok-name", "configs": {"retention.ms": "1000", "delete.retention.ms": "x"}}),
             "configs.delete.retention.ms"),
            (dict(body={"name": "ok-name", "configs": []}), "configs"),
            # Checked against openapi.json's schema: a misspelt field is refused, not ignored.
            (dict(body={"name": "ok-name", "partition": 3}), "partition"),
            (dict(body={"name": "ok-name", "configs": {"retention.ms": [1]}}), "configs.retention.ms"),
        ]
        for kwargs, field in cases:
            code, _, body = self.call("POST", "/v1/topics", **kwargs)
            self.assertEqual(code, 400, (kwargs, body))
            self.assertEqual(body["field"], field, (kwargs, body))
            self.assertTrue(body["error"])
        self.assertEqual(self.call("GET", "/v1/topics/ok-name")[0], 404)
        self.call("POST", "/v1/topics", {"name": "q", "partitions": 1})
        for query, field in (("limit=0", "limit"), ("limit=x", "limit"), ("offset=-1", "offset"),
                             ("encoding=hex", "encoding"), ("offset=1&timestamp=1", "timestamp")):
            code, _, body = self.call("GET", "/v1/topics/q/partitions/0/records?" + query)
            self.assertEqual((code, body["field"]), (400, field), query)
        code, _, body = self.call("GET", "/v1/topics/q/partitions/x/records")
        self.assertEqual((code, body["field"]), (400, "partition"))
        for path, body, field in (("/v1/topics/q/configs", {"set": {"retention.ms": "1"}, "delet": []}, "delet"),
                                  ("/v1/topics/q/configs", {"delete": ["retention.ms", 5]}, "delete[1]"),
                                  ("/v1/groups/g/reset-offsets", {"to": "earliest", "offest": 1}, "offest"),
                                  ("/v1/groups/g/reset-offsets", {"to": "someday"}, "to")):
            code, _, r = self.call("PATCH" if path.endswith("configs") else "POST", path, body)
            self.assertEqual((code, r.get("field")), (400, field), (path, body, r))
        # Numbers and booleans as config values are taken as their text, as documented.
        code, _, r = self.call("POST", "/v1/topics", {"name": "typed", "configs": {"retention.ms": 1000,
                                                                                     "preallocate": True}})
        self.assertEqual(code, 201, r)

    def test_409_on_existing_topic(self):
        self.assertEqual(self.call("POST", "/v1/topics", {"name": "twice"})[0], 201)
        code, _, body = self.call("POST", "/v1/topics", {"name": "twice"})
        self.assertEqual((code, body["field"]), (409, "name"))

    def test_404(self):
        for path in ("/nope", "/v1/topics/missing", "/v1/topics/missing/configs",
                     "/v1/topics/missing/partitions/0/records", "/v1/groups/missing", "/assets/missing.js"):
            code, hdrs, body = self.call("GET", path)
            self.assertEqual(code, 404, path)
            self.assertTrue(hdrs["Content-Type"].startswith("application/json"))
        self.call("POST", "/v1/topics", {"name": "one-part", "partitions": 1})
        self.assertEqual(self.call("GET", "/v1/topics/one-part/partitions/1/records")[0], 404)

    def test_405_lists_allowed_methods(self):
        code, hdrs, body = self.call("PUT", "/v1/topics", {"name": "x"})
        self.assertEqual(code, 405)
        self.assertEqual(hdrs["Allow"], "GET, POST")
        code, hdrs, _ = self.call("POST", "/v1/health/live", {})
        self.assertEqual((code, hdrs["Allow"]), (405, "GET"))

    def test_413_body_limit(self):
        big = json.dumps({"name": "big", "configs": {"x": "y" * 5000}}).encode()
        code, _, body = self.call("POST", "/v1/topics", raw=big)
        self.assertEqual(code, 413, body)
        # Chunked (no Content-Length): refused while reading.
        s = socket.create_connection(("127.0.0.1", self.broker.admin_port))
        s.sendall(b"POST /v1/topics HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"a" * 3000
        try:
            for _ in range(3):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass
        answer = s.recv(4096)
        s.close()
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:80])
        # Headers have their own limit (16 KiB).
        code, _, body = self.call("GET", "/v1/topics", headers={"X-Padding": "p" * 20000})
        self.assertEqual(code, 431, body)

    def test_idle_and_slow_clients_time_out(self):
        # admin.idle.timeout.ms=1000 on this broker.
        for opening in (b"", b"GET /v1/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n"):
            s = socket.create_connection(("127.0.0.1", self.broker.admin_port))
            s.sendall(opening)
            s.settimeout(10)
            start = time.time()
            self.assertEqual(s.recv(100), b"")  # closed by the broker
            elapsed = time.time() - start
            s.close()
            self.assertGreater(elapsed, 0.5)
            self.assertLess(elapsed, 5)

    def test_keep_alive(self):
        s = socket.create_connection(("127.0.0.1", self.broker.admin_port))
        f = s.makefile("rb")
        for _ in range(3):
            s.sendall(b"GET /v1/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            self.assertEqual(f.readline(), b"HTTP/1.1 200 OK\r\n")
            length = 0
            while True:
                line = f.readline()
                if line == b"\r\n":
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            self.assertIn(b"live", f.read(length))
        s.close()

    # --- groups -------------------------------------------------------------------------------
    def test_groups(self):
        from confluent_kafka import Consumer
        self.call("POST", "/v1/topics", {"name": "grouped", "partitions": 2})
        produce(self.broker.bootstrap, "grouped", [{"value": b"a", "partition": i % 2} for i in range(10)])
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "g1",
                      "auto.offset.reset": "earliest", "enable.auto.commit": False,
                      "client.id": "admin-test"})
        c.subscribe(["grouped"])
        got = 0
        deadline = time.time() + 30
        while got < 10 and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got += 1
        self.assertEqual(got, 10)
        c.commit(asynchronous=False)
        # While it is a member: described with its assignment; resets are refused.
        code, _, g = self.call("GET", "/v1/groups/g1")
        self.assertEqual(code, 200, g)
        self.assertEqual(g["state"], "Stable")
        self.assertEqual(len(g["members"]), 1)
        self.assertEqual(g["members"][0]["client_id"], "admin-test")
        self.assertEqual(sorted((a["topic"], a["partition"]) for a in g["members"][0]["assignment"]),
                         [("grouped", 0), ("grouped", 1)])
        code, _, body = self.call("POST", "/v1/groups/g1/reset-offsets", {"to": "earliest"})
        self.assertEqual(code, 409, body)
        self.assertEqual(self.call("DELETE", "/v1/groups/g1")[0], 409)
        c.close()
        produce(self.broker.bootstrap, "grouped", [{"value": b"b", "partition": 0}] * 4)
        code, _, g = self.call("GET", "/v1/groups/g1")
        self.assertEqual(g["state"], "Empty")
        self.assertEqual(g["total_lag"], 4)
        lags = {(o["topic"], o["partition"]): o["lag"] for o in g["offsets"]}
        self.assertEqual(lags, {("grouped", 0): 4, ("grouped", 1): 0})
        code, _, listing = self.call("GET", "/v1/groups")
        self.assertIn({"group_id": "g1", "state": "Empty", "type": "classic", "protocol_type": "consumer",
                       "members": 0, "total_lag": 4}, listing["groups"])
        # Bad resets.
        for body, field in (({}, "to"), ({"to": "sideways"}, "to"), ({"to": "timestamp"}, "timestamp"),
                            ({"to": "earliest", "topic": "nope"}, "topic")):
            code, _, r = self.call("POST", "/v1/groups/g1/reset-offsets", body)
            self.assertIn(code, (400, 404), body)
            self.assertEqual(r["field"], field, (body, r))
        code, _, g = self.call("POST", "/v1/groups/g1/reset-offsets", {"to": "earliest"})
        self.assertEqual(code, 200, g)
        self.assertEqual(sorted(o["committed_offset"] for o in g["offsets"]), [0, 0])
        self.assertEqual(g["total_lag"], 14)
        code, _, g = self.call("POST", "/v1/groups/g1/reset-offsets", {"to": "latest", "topic": "grouped"})
        self.assertEqual(g["total_lag"], 0)
        # The Kafka view agrees with the reset.
        from confluent_kafka import TopicPartition
        c2 = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "g1"})
        committed = c2.committed([TopicPartition("grouped", 0), TopicPartition("grouped", 1)], timeout=10)
        c2.close()
        self.assertEqual(sorted(tp.offset for tp in committed), [5, 9])
        self.assertEqual(self.call("DELETE", "/v1/groups/g1")[0], 200)
        self.assertEqual(self.call("GET", "/v1/groups/g1")[0], 404)

    # --- metrics --------------------------------------------------------------------------------
    # --- transactions, cluster, ACLs -------------------------------------------------------
    def test_transactions(self):
        from confluent_kafka import Producer
        self.call("POST", "/v1/topics", {"name": "ledger", "partitions": 2})
        before = metric_families(self.call("GET", "/metrics")[2])
        committed_before = sample_value(before, "chronik_transactions_ended", "chronik_transactions_ended_total",
                                        result="commit")
        p = Producer({"bootstrap.servers": self.broker.bootstrap, "transactional.id": "rest-txn"})
        p.init_transactions(30)
        p.begin_transaction()
        for i in range(5):
            p.produce("ledger", value=b"entry", partition=1)
        p.flush(10)
        time.sleep(0.2)
        code, _, listing = self.call("GET", "/v1/transactions?state=Ongoing")
        self.assertEqual(code, 200, listing)
        ours = [t for t in listing["transactions"] if t["transactional_id"] == "rest-txn"]
        self.assertEqual(len(ours), 1, listing)
        self.assertEqual((ours[0]["state"], ours[0]["partitions"]), ("Ongoing", 1))
        self.assertGreaterEqual(ours[0]["open_ms"], 100)
        self.assertGreaterEqual(listing["open"], 1)
        code, _, one = self.call("GET", "/v1/transactions/rest-txn")
        self.assertEqual(code, 200, one)
        self.assertEqual(one["partitions"], [{"topic": "ledger", "partition": 1, "kind": "records",
                                              "last_stable_offset": 0, "high_watermark": 5}])
        _, _, topic = self.call("GET", "/v1/topics/ledger")
        self.assertEqual([(d["last_stable_offset"], d["log_end_offset"]) for d in topic["partition_details"]],
                         [(0, 0), (0, 5)])
        fams = metric_families(self.call("GET", "/metrics")[2])
        self.assertGreaterEqual(sample_value(fams, "chronik_transactions", "chronik_transactions", state="Ongoing"), 1)
        self.assertGreater(sample_value(fams, "chronik_transaction_oldest_open_seconds",
                                        "chronik_transaction_oldest_open_seconds"), 0.1)
        # A hanging-transaction query: open at least a minute, which this one is not.
        self.assertEqual(self.call("GET", "/v1/transactions?min_open_ms=60000")[2]["transactions"], [])
        p.commit_transaction(30)
        done = until(lambda: self.call("GET", "/v1/transactions/rest-txn")[2],
                     lambda t: t["state"] == "CompleteCommit")
        self.assertEqual((done["state"], done["partitions"], done["open_ms"]), ("CompleteCommit", [], None))
        fams = metric_families(self.call("GET", "/metrics")[2])
        self.assertEqual(sample_value(fams, "chronik_transactions_ended", "chronik_transactions_ended_total",
                                      result="commit"), committed_before + 1)
        self.assertGreaterEqual(sample_value(fams, "chronik_transaction_markers", "chronik_transaction_markers_total"), 1)
        _, _, topic = self.call("GET", "/v1/topics/ledger")
        self.assertEqual(topic["partition_details"][1]["last_stable_offset"], 6)  # the records and the marker
        self.assertEqual(self.call("GET", "/v1/transactions/no-such-id")[0], 404)
        code, _, body = self.call("GET", "/v1/transactions?state=Sideways")
        self.assertEqual((code, body["field"]), (400, "state"))

    def test_cluster(self):
        from confluent_kafka.admin import AdminClient
        code, _, c = self.call("GET", "/v1/cluster")
        self.assertEqual(code, 200, c)
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        described = admin.describe_cluster().result(10)
        self.assertEqual(c["cluster_id"], described.cluster_id)
        self.assertEqual(c["controller_id"], described.controller.id)
        self.assertEqual([b["node_id"] for b in c["brokers"]], [n.id for n in described.nodes])
        self.assertEqual(c["brokers"][0]["listeners"][0]["port"], self.broker.port)
        features = {f["name"]: f for f in c["features"]}
        self.assertEqual(features["transaction.version"]["finalized"], 2)
        self.assertEqual(features["group.version"]["finalized"], 1)
        self.assertFalse(c["authorizer"]["enabled"])

    def test_acls_without_an_authorizer(self):
        code, _, body = self.call("GET", "/v1/acls")
        self.assertEqual((code, body), (200, {"enabled": False, "acls": []}))
        code, _, body = self.call("POST", "/v1/acls", {"resource_type": "TOPIC", "name": "t", "principal": "User:a",
                                                      "operation": "READ"})
        self.assertEqual(code, 409, body)
        self.assertIn("authorizer.class.name", body["error"])

    def test_metrics_parse_and_count(self):
        self.call("POST", "/v1/topics", {"name": "metered", "partitions": 2})
        produce(self.broker.bootstrap, "metered", [{"value": b"m" * 100, "partition": 1}] * 25)
        code, hdrs, text = self.call("GET", "/metrics")
        self.assertEqual(code, 200)
        self.assertTrue(hdrs["Content-Type"].startswith("text/plain; version=0.0.4"))
        fams = metric_families(text)
        for name in ("chronik_requests", "chronik_request_errors", "chronik_request_duration_seconds",
                     "chronik_topic_bytes_in", "chronik_topic_messages_in", "chronik_topic_bytes_out",
                     "chronik_partition_log_start_offset", "chronik_partition_log_end_offset",
                     "chronik_partition_size_bytes", "chronik_connections_active", "chronik_purgatory_size",
                     "chronik_leveldb_files", "chronik_leveldb_write_stalls", "chronik_leveldb_write_stall_seconds",
                     "process_resident_memory_bytes", "process_cpu_seconds", "process_open_fds",
                     "process_max_fds", "process_virtual_memory_bytes", "process_start_time_seconds",
                     "chronik_group_lag", "chronik_build_info"):
            self.assertIn(name, fams, name)
        self.assertEqual(fams["chronik_request_duration_seconds"].type, "histogram")
        self.assertEqual(fams["chronik_leveldb_write_stalls"].type, "counter")
        self.assertGreaterEqual(sample_value(fams, "chronik_leveldb_write_stalls",
                                             "chronik_leveldb_write_stalls_total", kind="stop"), 0)
        self.assertEqual(sample_value(fams, "chronik_topic_messages_in", "chronik_topic_messages_in_total",
                                      topic="metered"), 25)
        self.assertGreater(sample_value(fams, "chronik_topic_bytes_in", "chronik_topic_bytes_in_total",
                                        topic="metered"), 2500)
        self.assertEqual(sample_value(fams, "chronik_partition_log_end_offset", "chronik_partition_log_end_offset",
                                      topic="metered", partition="1"), 25)
        self.assertEqual(sample_value(fams, "chronik_partition_log_end_offset", "chronik_partition_log_end_offset",
                                      topic="metered", partition="0"), 0)
        produces = sum(s.value for s in fams["chronik_requests"].samples
                       if s.labels.get("api") == "Produce" and s.name == "chronik_requests_total")
        self.assertGreaterEqual(produces, 1)
        count = sample_value(fams, "chronik_request_duration_seconds",
                             "chronik_request_duration_seconds_count", api="Produce")
        self.assertGreaterEqual(count, produces)
        # The process collector's standard names, as Prometheus client libraries export them.
        self.assertGreater(sample_value(fams, "process_resident_memory_bytes", "process_resident_memory_bytes"),
                           1 << 20)
        self.assertGreater(sample_value(fams, "process_open_fds", "process_open_fds"), 3)
        self.assertGreaterEqual(sample_value(fams, "process_max_fds", "process_max_fds"),
                                sample_value(fams, "process_open_fds", "process_open_fds"))
        self.assertGreater(sample_value(fams, "process_start_time_seconds", "process_start_time_seconds"),
                           time.time() - 3600)
        # Errors are counted: a Metadata request at a version that does not exist (its
        # header does not decode, so the broker closes the connection).
        def errors():
            fams = metric_families(self.call("GET", "/metrics")[2])
            return sum(s.value for s in fams["chronik_request_errors"].samples
                       if s.labels.get("api") == "Metadata" and s.name == "chronik_request_errors_total")
        before = errors()
        s = socket.create_connection(("127.0.0.1", self.broker.port))
        body = struct.pack(">hhih", 3, 99, 7, -1)
        s.sendall(struct.pack(">i", len(body)) + body)
        s.settimeout(10)
        s.recv(4)  # the answer or the close: the request has been counted
        s.close()
        self.assertEqual(errors(), before + 1)

    def test_rebalance_steps_are_not_errors(self):
        # A first JoinGroup (v4+) is answered MEMBER_ID_REQUIRED and joins again; heartbeats
        # learn of a rebalance by REBALANCE_IN_PROGRESS. Neither is a failed request.
        from confluent_kafka import Consumer

        def joins():
            fams = metric_families(self.call("GET", "/metrics")[2])
            count = lambda family: sum(s.value for s in fams[family].samples  # noqa: E731
                                       if s.labels.get("api") == "JoinGroup" and s.name == family + "_total")
            return count("chronik_requests"), count("chronik_request_errors")
        self.call("POST", "/v1/topics", {"name": "rejoined", "partitions": 2})
        requests_before, errors_before = joins()
        consumers = []
        for i in range(2):  # the second member makes the first rebalance
            c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "steps",
                          "session.timeout.ms": 6000, "heartbeat.interval.ms": 200})
            c.subscribe(["rejoined"])
            consumers.append(c)
            deadline = time.time() + 30
            while not c.assignment() and time.time() < deadline:
                for x in consumers:
                    x.poll(0.2)
            self.assertTrue(c.assignment())
        requests_after, errors_after = joins()
        for c in consumers:
            c.close()
        self.assertGreaterEqual(requests_after - requests_before, 4)  # two members, each with MEMBER_ID_REQUIRED
        self.assertEqual(errors_after, errors_before)

    def test_promtool_check(self):
        promtool = shutil.which("promtool")
        if not promtool:
            self.fail("promtool not installed (.ci/setup installs Debian's prometheus package)")
        _, _, text = self.call("GET", "/metrics")
        r = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True)
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())

    def test_concurrent_http_clients_do_not_stall_kafka(self):
        from confluent_kafka.admin import AdminClient
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})

        def metadata_times(n):
            out = []
            for _ in range(n):
                t = time.time()
                admin.list_topics(timeout=10)
                out.append(time.time() - t)
            return sorted(out)

        quiet = metadata_times(20)
        stop = threading.Event()
        served = [0]

        def hammer():
            while not stop.is_set():
                try:
                    call(self.broker, "GET", "/metrics")
                    served[0] += 1
                except Exception:
                    pass

        threads = [threading.Thread(target=hammer) for _ in range(16)]
        for t in threads:
            t.start()
        try:
            busy = metadata_times(20)
        finally:
            stop.set()
            for t in threads:
                t.join()
        print(f"\nKafka Metadata p50 {quiet[10]*1000:.1f} ms quiet, {busy[10]*1000:.1f} ms with 16 HTTP clients "
              f"({served[0]} scrapes served)", file=sys.stderr)
        self.assertGreater(served[0], 0)
        self.assertEqual(len(busy), 20)  # every Kafka request answered while HTTP was busy

    def test_scrape_cost_with_9999_partitions(self):
        # 9,999: the most one request may create (with the topic's own record, Kafka's 10,000).
        code, _, body = self.call("POST", "/v1/topics", {"name": "wide", "partitions": 9999})
        self.assertEqual(code, 201, body)
        times = []
        for _ in range(5):
            t = time.time()
            code, _, text = self.call("GET", "/metrics")
            times.append(time.time() - t)
        fams = metric_families(text)
        wide = [s for s in fams["chronik_partition_log_end_offset"].samples if s.labels["topic"] == "wide"]
        self.assertEqual(len(wide), 9999)
        print(f"\n/metrics with {len(wide)}+ partitions: {len(text)} bytes, median {sorted(times)[2]*1000:.1f} ms "
              f"(min {min(times)*1000:.1f} ms)", file=sys.stderr)
        self.assertEqual(self.call("DELETE", "/v1/topics/wide")[0], 200)


class AclsRest(unittest.TestCase):
    """/v1/acls on a broker with Kafka's authorizer: what it adds Kafka clients see, and the
    reverse."""

    @classmethod
    def setUpClass(cls):
        cls.broker = start_broker("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                                  "allow.everyone.if.no.acl.found=true", "super.users=User:ops;User:admin")

    @classmethod
    def tearDownClass(cls):
        assert cls.broker.stop() == 0

    def call(self, *args, **kwargs):
        return call(self.broker, *args, **kwargs)

    def test_acls_seen_by_kafka_clients_and_back(self):
        from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType,
                                           AdminClient, ResourcePatternType, ResourceType)
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        code, _, added = self.call("POST", "/v1/acls", {"resource_type": "TOPIC", "name": "payments-",
                                                       "pattern_type": "PREFIXED", "principal": "User:alice",
                                                       "operation": "READ"})
        self.assertEqual(code, 201, added)
        self.assertEqual((added["host"], added["permission"]), ("*", "ALLOW"))
        every = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                                 AclOperation.ANY, AclPermissionType.ANY)
        seen = admin.describe_acls(every).result(10)
        self.assertEqual([(b.restype, b.name, b.resource_pattern_type, b.principal, b.operation, b.permission_type)
                          for b in seen],
                         [(ResourceType.TOPIC, "payments-", ResourcePatternType.PREFIXED, "User:alice",
                           AclOperation.READ, AclPermissionType.ALLOW)])
        for f in admin.create_acls([AclBinding(ResourceType.GROUP, "billing", ResourcePatternType.LITERAL, "User:bob",
                                               "10.0.0.1", AclOperation.DESCRIBE, AclPermissionType.DENY)]).values():
            f.result(10)
        code, _, listing = self.call("GET", "/v1/acls?resource_type=GROUP")
        self.assertEqual((code, listing["enabled"]), (200, True))
        self.assertEqual(listing["acls"], [{"resource_type": "GROUP", "name": "billing", "pattern_type": "LITERAL",
                                            "principal": "User:bob", "host": "10.0.0.1", "operation": "DESCRIBE",
                                            "permission": "DENY"}])
        # MATCH: the ACLs that apply to one topic, the prefixed one among them.
        code, _, match = self.call("GET", "/v1/acls?resource_type=TOPIC&name=payments-eu&pattern_type=MATCH")
        self.assertEqual([a["name"] for a in match["acls"]], ["payments-"])
        # Refusals name the field at fault.
        for body, field in (({"resource_type": "TOPIC", "name": "t", "principal": "User:a", "operation": "READ",
                              "permission": "MAYBE"}, "permission"),
                            ({"resource_type": "TOPIC", "name": "t", "principal": "User:a", "operation": "ANY"},
                             "operation"),
                            ({"resource_type": "TOPIC", "name": "t", "operation": "READ"}, "principal")):
            code, _, refused = self.call("POST", "/v1/acls", body)
            self.assertEqual((code, refused.get("field")), (400, field), refused)
        code, _, refused = self.call("POST", "/v1/acls", {"resource_type": "TOPIC", "name": "t", "principal": "alice",
                                                         "operation": "READ"})
        self.assertEqual(code, 400, refused)
        code, _, refused = self.call("DELETE", "/v1/acls")
        self.assertEqual((code, refused["field"]), (400, "resource_type"))
        code, _, removed = self.call("DELETE", "/v1/acls?resource_type=TOPIC&principal=User:alice")
        self.assertEqual((code, [a["name"] for a in removed["removed"]]), (200, ["payments-"]))
        left = admin.describe_acls(every).result(10)
        self.assertEqual([b.name for b in left], ["billing"])

    def test_cluster_names_the_authorizer(self):
        _, _, c = self.call("GET", "/v1/cluster")
        self.assertEqual(c["authorizer"], {"enabled": True,
                                           "class_name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                                           "super_users": ["User:ops", "User:admin"],
                                           "allow_everyone_if_no_acl_found": True})


def make_server_certificate(d):
    """A CA and a certificate for 127.0.0.1 signed by it, made with the openssl CLI at test
    time: (CA file, Kafka's PEM key store file: the key and the certificate in one)."""
    def ssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=chronik-admin-test-ca")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
        "server.pem", "-days", "2", "-extfile", "san.ext")
    keystore = os.path.join(d, "keystore.pem")
    with open(keystore, "w") as out:
        for part in ("server.key", "server.pem"):
            with open(os.path.join(d, part)) as f:
                out.write(f.read())
    return os.path.join(d, "ca.pem"), keystore


class Https(unittest.TestCase):
    """admin.listeners=https://...: the endpoint over TLS with Kafka's PEM key store settings,
    the token kept off the wire in clear; plain HTTP on that port is closed."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.dir = tempfile.TemporaryDirectory(prefix="chronik-admin-tls-")
        cls.ca, keystore = make_server_certificate(cls.dir.name)
        cls.port = chronik_broker.free_port()
        # The Broker helper gives an http:// admin listener on an ephemeral port first; this
        # override comes later and wins.
        cls.broker = chronik_broker.Broker(
            CHRONIK, "ssl.keystore.type=PEM", f"ssl.keystore.location={keystore}", "admin.auth.token=tls-admin-token",
            f"admin.listeners=https://127.0.0.1:{cls.port}", prefix="chronik-admin-tls-")
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        assert cls.broker.stop() == 0
        cls.dir.cleanup()

    def get(self, path, context, token="tls-admin-token"):
        req = urllib.request.Request(f"https://127.0.0.1:{self.port}{path}",
                                     headers={"Authorization": "Bearer " + token} if token else {})
        try:
            with urllib.request.urlopen(req, timeout=10, context=context) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def test_served_over_tls(self):
        import ssl
        trusted = ssl.create_default_context(cafile=self.ca)
        self.assertEqual(self.get("/v1/health/ready", trusted, token=None)[0], 200)
        code, body = self.get("/v1/broker", trusted)
        self.assertEqual(code, 200, body)
        self.assertEqual(json.loads(body)["admin_listeners"], [f"https://127.0.0.1:{self.port}"])
        self.assertEqual(self.get("/v1/broker", trusted, token="wrong")[0], 401)
        # The dashboard's files come over TLS too.
        code, page = self.get("/", trusted, token=None)
        self.assertEqual(code, 200)
        self.assertIn("Chronik console", page)
        # A client that does not trust the broker's CA refuses it.
        with self.assertRaises(urllib.error.URLError):
            self.get("/v1/health/live", ssl.create_default_context())
        # curl, as an operator would call it.
        out = subprocess.run(["curl", "-sS", "--cacert", self.ca, "-H", "Authorization: Bearer tls-admin-token",
                              f"https://127.0.0.1:{self.port}/v1/cluster"], capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("cluster_id", out.stdout)

    def test_plain_http_on_the_tls_port_gets_no_answer(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(b"GET /v1/broker HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer tls-admin-token\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        self.assertNotIn(b"cluster_id", data)
        self.assertFalse(data.startswith(b"HTTP/"), data[:100])
        # The broker still serves TLS clients afterwards.
        import ssl
        self.assertEqual(self.get("/v1/health/live", ssl.create_default_context(cafile=self.ca), token=None)[0], 200)


class Auth(unittest.TestCase):
    TOKEN = "s3cret-token"

    @classmethod
    def setUpClass(cls):
        cls.broker = start_broker(f"admin.auth.token={cls.TOKEN}")

    @classmethod
    def tearDownClass(cls):
        assert cls.broker.stop() == 0

    def test_health_is_open(self):
        self.assertEqual(call(self.broker, "GET", "/v1/health/live")[0], 200)
        self.assertEqual(call(self.broker, "GET", "/v1/health/ready")[0], 200)

    def test_everything_else_needs_the_token(self):
        for method, path in (("GET", "/v1/topics"), ("GET", "/metrics"), ("GET", "/v1/broker"),
                             ("GET", "/v1/broker/config"), ("GET", "/v1/groups"), ("GET", "/v1/openapi.json"),
                             ("POST", "/v1/topics"), ("GET", "/nope")):
            code, hdrs, body = call(self.broker, method, path, {} if method == "POST" else None)
            self.assertEqual(code, 401, path)
            self.assertEqual(body["field"], "Authorization")
            self.assertTrue(hdrs["WWW-Authenticate"].startswith("Bearer"))
            self.assertEqual(call(self.broker, method, path, {} if method == "POST" else None, token="wrong")[0], 401)
        self.assertEqual(call(self.broker, "GET", "/v1/topics", token=self.TOKEN)[0], 200)
        self.assertEqual(call(self.broker, "POST", "/v1/topics", {"name": "authed"}, token=self.TOKEN)[0], 201)

    def test_token_is_redacted(self):
        code, _, body = call(self.broker, "GET", "/v1/broker/config", token=self.TOKEN)
        self.assertEqual(code, 200)
        self.assertNotIn(self.TOKEN, json.dumps(body))
        entry = [e for e in body["configs"] if e["name"] == "admin.auth.token"][0]
        self.assertEqual((entry["value"], entry["sensitive"]), (None, True))


def raw_exchange(port, request):
    """Sends raw request bytes; returns the status line and the headers (lower-cased names)."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(request)
        s.settimeout(10)
        f = s.makefile("rb")
        status = f.readline().decode().strip()
        hdrs = {}
        while True:
            line = f.readline()
            if line in (b"\r\n", b""):
                break
            k, v = line.decode().split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    return status, hdrs


def no_cors(test, hdrs):
    test.assertEqual([k for k in hdrs.keys() if k.lower().startswith("access-control-")], [])


class CrossSite(unittest.TestCase):
    """Web pages must not drive the API: state changes need JSON (no cross-site form or
    simple request), only this broker's names are answered (no DNS rebinding), no CORS."""

    @classmethod
    def setUpClass(cls):
        cls.broker = start_broker("admin.allowed.hosts=Dashboard.Example, other.example")
        assert call(cls.broker, "POST", "/v1/topics", {"name": "secret-orders", "partitions": 1})[0] == 201
        produce(cls.broker.bootstrap, "secret-orders", [{"value": b"card 4111-1111", "partition": 0}])

    @classmethod
    def tearDownClass(cls):
        assert cls.broker.stop() == 0

    def call(self, *args, **kwargs):
        return call(self.broker, *args, **kwargs)

    def assertNoTopic(self, name):
        self.assertEqual(self.call("GET", "/v1/topics/" + name)[0], 404, name)

    def test_state_changes_need_json(self):
        # What a cross-site form or fetch() can send without a preflight.
        for ctype, data in (("text/plain", b'{"name": "csrf-plain", "partitions": 1}'),
                            ("text/plain;charset=UTF-8", b'{"name": "csrf-plain", "x": "="}\r\n'),
                            ("application/x-www-form-urlencoded", b"name=csrf-plain"),
                            ("multipart/form-data; boundary=b",
                             b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\ncsrf-plain\r\n--b--\r\n')):
            code, hdrs, body = self.call("POST", "/v1/topics", raw=data, headers={"Content-Type": ctype})
            self.assertEqual((code, body["field"]), (415, "Content-Type"), ctype)
            self.assertIn("application/json", body["error"])
            no_cors(self, hdrs)
        # No Content-Type at all (raw, since urllib adds one to a body).
        data = b'{"name":"csrf-plain"}'
        status, _ = raw_exchange(self.broker.admin_port,
                                 b"POST /v1/topics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n"
                                 b"Connection: close\r\n\r\n%s" % (len(data), data))
        self.assertTrue(status.startswith("HTTP/1.1 415"), status)
        self.assertNoTopic("csrf-plain")
        # JSON, with or without parameters, is served.
        code, _, body = self.call("POST", "/v1/topics", raw=b'{"name": "json-made"}',
                                  headers={"Content-Type": "Application/JSON; charset=utf-8"})
        self.assertEqual(code, 201, body)
        # Every state-changing method, body or not: DELETE, PATCH and the group reset too.
        for method, path in (("DELETE", "/v1/topics/json-made"), ("PATCH", "/v1/topics/json-made/configs"),
                             ("POST", "/v1/groups/g/reset-offsets"), ("DELETE", "/v1/groups/g"),
                             ("PUT", "/v1/topics")):
            code, _, body = self.call(method, path, headers={"Content-Type": "text/plain"})
            self.assertEqual((code, body["field"]), (415, "Content-Type"), (method, path))
        self.assertEqual(self.call("GET", "/v1/topics/json-made")[0], 200)
        self.assertEqual(self.call("DELETE", "/v1/topics/json-made")[0], 200)
        self.assertNoTopic("json-made")

    def test_foreign_host_is_refused(self):
        port = self.broker.admin_port
        records = "/v1/topics/secret-orders/partitions/0/records"
        for host in (f"attacker.example:{port}", "attacker.example", f"localhost.attacker.example:{port}",
                     f"127.0.0.1.nip.io:{port}"):
            for method, path, body in (("GET", records, None), ("GET", "/v1/topics", None), ("GET", "/metrics", None),
                                       ("GET", "/", None), ("POST", "/v1/topics", {"name": "rebound"}),
                                       ("DELETE", "/v1/topics/secret-orders", None)):
                code, hdrs, answer = self.call(method, path, body, headers={"Host": host})
                self.assertEqual(code, 421, (host, method, path))
                self.assertEqual(answer["field"], "Host")
                self.assertNotIn("4111-1111", json.dumps(answer))  # the record, not a port like 41111
                self.assertNotIn("secret-orders", json.dumps(answer))
                no_cors(self, hdrs)
        self.assertNoTopic("rebound")
        self.assertEqual(self.call("GET", "/v1/topics/secret-orders")[0], 200)
        # Health stays open to probes that use a service name.
        self.assertEqual(self.call("GET", "/v1/health/ready", headers={"Host": "chronik.monitoring.svc"})[0], 200)

    def test_own_names_are_served(self):
        port = self.broker.admin_port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST:19644", f"[::1]:{port}",
                     f"{socket.gethostname()}:{port}", "10.1.2.3:80",  # an address (NAT, a tunnel)
                     f"dashboard.example:{port}", "Other.Example.", "dashboard.example:8443"):
            code, _, body = self.call("GET", "/v1/topics/secret-orders/partitions/0/records", headers={"Host": host})
            self.assertEqual(code, 200, (host, body))
            self.assertEqual(body["records"][0]["value"]["data"], "card 4111-1111")
        code, _, body = self.call("POST", "/v1/topics", {"name": "via-allowed"}, headers={"Host": "dashboard.example"})
        self.assertEqual(code, 201, body)

    def test_missing_host(self):
        status, _ = raw_exchange(self.broker.admin_port, b"GET /v1/topics HTTP/1.1\r\nConnection: close\r\n\r\n")
        self.assertTrue(status.startswith("HTTP/1.1 400"), status)
        status, _ = raw_exchange(self.broker.admin_port, b"GET /v1/topics HTTP/1.0\r\n\r\n")
        self.assertTrue(status.startswith("HTTP/1.0 200"), status)

    def test_no_cors(self):
        origin = {"Origin": "http://attacker.example"}
        for method, path in (("GET", "/v1/topics"), ("GET", "/v1/health/live"), ("GET", "/metrics"), ("GET", "/"),
                             ("GET", "/nope")):
            code, hdrs, _ = self.call(method, path, headers=origin)
            self.assertIn(code, (200, 404))
            no_cors(self, hdrs)
        # A preflight gets no permission: not 2xx, no Access-Control-Allow-*.
        for path in ("/v1/topics", "/v1/topics/secret-orders", "/nope"):
            status, hdrs = raw_exchange(
                self.broker.admin_port,
                f"OPTIONS {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.broker.admin_port}\r\n"
                "Origin: http://attacker.example\r\nAccess-Control-Request-Method: POST\r\n"
                "Access-Control-Request-Headers: content-type, authorization\r\nConnection: close\r\n\r\n".encode())
            self.assertRegex(status, r"^HTTP/1.1 (405|404) ", path)
            no_cors(self, hdrs)

    def test_any_host_when_configured(self):
        broker = start_broker("admin.allowed.hosts=*")
        try:
            code, _, body = call(broker, "GET", "/v1/topics", headers={"Host": "anything.example:1"})
            self.assertEqual(code, 200, body)
            code, _, body = call(broker, "POST", "/v1/topics", raw=b'{"name": "x"}',
                                 headers={"Host": "anything.example", "Content-Type": "text/plain"})
            self.assertEqual(code, 415, body)  # the JSON rule still holds
        finally:
            self.assertEqual(broker.stop(), 0)


class Secrets(unittest.TestCase):
    """admin.auth.token from the environment, a properties file or a secret file, never on
    the command line."""
    TOKEN = "tok-" + base64.b32encode(os.urandom(10)).decode().lower()

    def check_token_works(self, broker, placeholder):
        cmdline = open(f"/proc/{broker.proc.pid}/cmdline", "rb").read().decode()
        ps = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(broker.proc.pid)],
                            capture_output=True, text=True).stdout
        self.assertIn(placeholder, cmdline)
        self.assertIn(placeholder, ps)
        self.assertNotIn(self.TOKEN, cmdline + ps)
        self.assertEqual(call(broker, "GET", "/v1/topics")[0], 401)
        self.assertEqual(call(broker, "GET", "/v1/topics", token="wrong")[0], 401)
        self.assertEqual(call(broker, "GET", "/v1/topics", token=self.TOKEN)[0], 200)
        code, _, body = call(broker, "GET", "/v1/broker/config", token=self.TOKEN)
        self.assertNotIn(self.TOKEN, json.dumps(body))
        self.assertNotIn(self.TOKEN, broker.log_text())

    def test_token_from_environment(self):
        placeholder = "${env:CHRONIK_ADMIN_AUTH_TOKEN}"
        broker = start_broker("admin.auth.token=" + placeholder, env={"CHRONIK_ADMIN_AUTH_TOKEN": self.TOKEN})
        try:
            self.check_token_works(broker, placeholder)
        finally:
            self.assertEqual(broker.stop(), 0)

    def test_token_from_files(self):
        import tempfile
        d = tempfile.mkdtemp(prefix="chronik-secrets-")
        try:
            props, secret = os.path.join(d, "secrets.properties"), os.path.join(d, "admin-token")
            with open(props, "w") as f:
                f.write(f"# secrets\nadmin.token={self.TOKEN}\n")
            with open(secret, "w") as f:
                f.write(self.TOKEN + "\n")  # as `echo $TOKEN > file` writes it
            os.chmod(props, 0o600)
            os.chmod(secret, 0o600)
            for placeholder in (f"${{file:{props}:admin.token}}", f"${{dir:{d}:admin-token}}"):
                broker = start_broker("admin.auth.token=" + placeholder)
                try:
                    self.check_token_works(broker, placeholder)
                finally:
                    self.assertEqual(broker.stop(), 0)
        finally:
            shutil.rmtree(d)

    def test_unresolvable_placeholder_refuses_to_start(self):
        env = dict(os.environ)
        env.pop("CHRONIK_NO_SUCH_TOKEN", None)
        import tempfile
        with tempfile.TemporaryDirectory(prefix="chronik-secrets-") as d:
            r = subprocess.run([CHRONIK, "--override", "admin.auth.token=${env:CHRONIK_NO_SUCH_TOKEN}",
                                "--override", "admin.listeners=http://127.0.0.1:0",
                                "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", f"log.dirs={d}"],
                               capture_output=True, text=True, timeout=30, env=env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("admin.auth.token", r.stdout + r.stderr)
        self.assertIn("CHRONIK_NO_SUCH_TOKEN is not set", r.stdout + r.stderr)


class Dashboard(unittest.TestCase):
    def test_console_in_chromium(self):
        if not DASHBOARD_DIR:
            self.skipTest("run with --dashboard <dir>")
        # Kafka's authorizer, open to all where no ACL names a resource: the ACL page adds
        # and removes one.
        broker = start_broker("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                              "allow.everyone.if.no.acl.found=true", "super.users=User:ops")
        txn_producer = None
        try:
            from confluent_kafka import Consumer, Producer
            from confluent_kafka.admin import AdminClient, NewTopic
            admin = AdminClient({"bootstrap.servers": broker.bootstrap})
            # Enough topics for three pages of the list.
            topics = [NewTopic("orders", 3, 1), NewTopic("clicks", 1, 1), NewTopic("payments", 1, 1),
                      NewTopic("doomed", 1, 1), NewTopic("timed", 1, 1),
                      NewTopic("ledger", 2, 1)] + [NewTopic(f"bulk-{i:03}", 1, 1) for i in range(118)]
            for f in admin.create_topics(topics).values():
                f.result()
            produce(broker.bootstrap, "orders",
                    [{"key": f"order-{i}".encode(), "value": f'{{"id": {i}, "item": "widget"}}'.encode(),
                      "partition": i % 3, "headers": [("source", b"dashboard-test")]} for i in range(42)])
            payments = [{"key": f"pay-{i}".encode(),
                         "value": f'{{"amount": {10 * i}, "kind": "{"refund" if i % 4 == 3 else "charge"}"}}'.encode(),
                         "headers": [("source", b"checkout"), ("trace", f"t-{i}".encode())]} for i in range(11)]
            payments.append({"key": b"blob", "value": bytes([0, 255, 16, 32, 200, 1, 2, 3])})
            produce(broker.bootstrap, "payments", payments)
            # Records an hour apart from 2026-01-01T00:00Z, for browsing by time.
            produce(broker.bootstrap, "timed", [{"value": f"hour {i}".encode(), "timestamp": 1767225600000 + i * 3600000}
                                                for i in range(10)])
            # A transaction left open while the pages are looked at.
            txn_producer = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "ledger-writer"})
            txn_producer.init_transactions(30)
            txn_producer.begin_transaction()
            for i in range(4):
                txn_producer.produce("ledger", value=b"entry", partition=1)
            txn_producer.flush(10)
            c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "billing",
                          "auto.offset.reset": "earliest", "enable.auto.commit": False})
            c.subscribe(["orders"])
            got = 0
            deadline = time.time() + 30
            while got < 42 and time.time() < deadline:
                m = c.poll(0.5)
                if m is not None and not m.error():
                    got += 1
            c.commit(asynchronous=False)
            c.close()  # the group stops consuming ...
            produce(broker.bootstrap, "orders", [{"value": b"late", "partition": 0}] * 8)  # ... and lags by 8
            os.makedirs(DASHBOARD_DIR, exist_ok=True)
            # Live traffic on a second topic while the page is open, for its throughput chart.
            stop = threading.Event()

            def traffic():
                p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
                i = 0
                while not stop.is_set():
                    for _ in range(20 + 15 * (i % 4)):
                        p.produce("clicks", value=b"click")
                    p.poll(0)
                    i += 1
                    time.sleep(0.2)
                p.flush(10)

            producer = threading.Thread(target=traffic)
            producer.start()
            settings = {"url": broker.url, "bootstrap": broker.bootstrap, "topic": "orders", "messages": "50",
                        "p0_end": 22, "group": "billing", "lag": "8", "live": "clicks", "payments": "payments",
                        "payments_count": 12, "binary_offset": 11, "refunds": 2, "bulk": 120, "doomed": "doomed",
                        "timed": "timed", "txn": "ledger-writer", "txn_topic": "ledger", "shots": DASHBOARD_DIR}
            try:
                r = subprocess.run(["node", os.path.join(HERE, "dashboard_test.mjs"), json.dumps(settings)],
                                   capture_output=True, text=True, timeout=120)
            finally:
                stop.set()
                producer.join()
            sys.stderr.write(r.stdout + r.stderr)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            for name in ("admin-dashboard.png", "console-topic.png", "console-messages.png", "console-group.png",
                         "console-transactions.png", "console-transaction.png", "console-acls.png",
                         "console-cluster.png", "console-broker.png"):
                self.assertTrue(os.path.getsize(os.path.join(DASHBOARD_DIR, name)) > 10000, name)
        finally:
            if txn_producer is not None:
                txn_producer.abort_transaction(10)
            self.assertEqual(broker.stop(), 0)


ATTACKER_PAGE = """<!doctype html><meta charset="utf-8"><title>a page the operator visits</title>
<form id="plain" method="POST" action="ADMIN/v1/topics" enctype="text/plain" target="f1">
  <input name='{"name":"csrf-form-plain","partitions":1,"pad":"' value='"}'></form>
<form id="urlencoded" method="POST" action="ADMIN/v1/topics" target="f2">
  <input name="name" value="csrf-form-urlencoded"></form>
<iframe name="f1"></iframe><iframe name="f2"></iframe>
<script>
const admin = 'ADMIN';
const results = {};
const loaded = (name) => new Promise((done) =>
  document.querySelector(`iframe[name=${name}]`).addEventListener('load', done, { once: true }));
async function attempt(what, url, init, read) {
  try {
    const r = await fetch(url, init);
    results[what] = read ? await r.text() : `answered (${r.type})`;
  } catch (e) {
    results[what] = 'blocked: ' + e.message;
  }
}
(async () => {
  // A simple request: sent without asking, the answer is opaque but the effect is real.
  await attempt('fetch_text_plain', admin + '/v1/topics', { method: 'POST', mode: 'no-cors',
    headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ name: 'csrf-fetch-plain', partitions: 1 }) });
  // These need a preflight, which the broker never allows.
  await attempt('fetch_json', admin + '/v1/topics', { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'csrf-fetch-json' }) });
  await attempt('fetch_delete', admin + '/v1/topics/secret-orders', { method: 'DELETE' });
  await attempt('read', admin + '/v1/topics/secret-orders/partitions/0/records', {}, true);
  const f1 = loaded('f1'), f2 = loaded('f2');
  document.getElementById('plain').submit();
  document.getElementById('urlencoded').submit();
  await Promise.all([f1, f2]);
  window.attackResults = results;
  window.attackDone = true;
})();
</script>
"""


class BrowserCsrf(unittest.TestCase):
    """A page from another origin in a real browser cannot change or read anything."""

    def test_hostile_page_in_chromium(self):
        if not DASHBOARD_DIR:
            self.skipTest("run with --dashboard <dir>")
        import http.server
        broker = start_broker()
        try:
            self.assertEqual(call(broker, "POST", "/v1/topics", {"name": "secret-orders", "partitions": 1})[0], 201)
            produce(broker.bootstrap, "secret-orders", [{"value": b"card 4111-1111", "partition": 0}])
            page = ATTACKER_PAGE.replace("ADMIN", broker.url).encode()

            class Page(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)

                def log_message(self, *args):
                    pass

            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                rebind = f"http://rebind.test:{broker.admin_port}/v1/topics/secret-orders/partitions/0/records"
                r = subprocess.run(["node", os.path.join(HERE, "csrf_test.mjs"),
                                    f"http://attacker.test:{server.server_address[1]}/", rebind],
                                   capture_output=True, text=True, timeout=90)
            finally:
                server.shutdown()
            sys.stderr.write(r.stdout + r.stderr)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            seen = json.loads(r.stdout.strip().splitlines()[-1])
            # Nothing was created or deleted.
            made = [name for name in ("csrf-fetch-plain", "csrf-form-plain", "csrf-form-urlencoded", "csrf-fetch-json")
                    if call(broker, "GET", "/v1/topics/" + name)[0] != 404]
            self.assertEqual(made, [], seen)
            self.assertEqual(call(broker, "GET", "/v1/topics/secret-orders")[0], 200)
            # Nothing was read: cross-origin reads are blocked, the rebound origin is refused.
            self.assertTrue(seen["attack"]["read"].startswith("blocked"), seen)
            self.assertTrue(seen["attack"]["fetch_json"].startswith("blocked"), seen)
            self.assertEqual(seen["rebind"]["status"], 421, seen)
            self.assertEqual(seen["rebind"]["read"]["status"], 421, seen)
            self.assertNotIn("4111-1111", json.dumps(seen))
        finally:
            self.assertEqual(broker.stop(), 0)


if __name__ == "__main__":
    if DASHBOARD_DIR:
        suite = unittest.TestSuite([unittest.defaultTestLoader.loadTestsFromTestCase(c)
                                    for c in (Dashboard, BrowserCsrf)])
    else:
        suite = unittest.TestSuite([unittest.defaultTestLoader.loadTestsFromTestCase(c)
                                    for c in (Admin, AclsRest, Https, Auth, CrossSite, Secrets)])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)
