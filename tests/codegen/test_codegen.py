"""Tests of the generator itself: the spec model, the pin, the union of releases, and two
protocol bumps (3.8.0 -> 3.9.0, and 3.9.0 -> 3.9.0 + 4.4.0).

Run: python3 -m unittest discover -s tests/codegen (ctest label unit runs it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(os.environ.get("KAFKA_SCHEMAS", ROOT.parent / "shared" / "kafka-schemas"))
sys.path.insert(0, str(ROOT / "codegen"))

from chronik_codegen import cpp  # noqa: E402
from chronik_codegen.spec import SpecError, load_message, load_specs, snake_case, strip_comments  # noqa: E402
from chronik_codegen.union import layout, union  # noqa: E402
from chronik_codegen.versions import NONE, Versions  # noqa: E402

GENERATE = [sys.executable, str(ROOT / "codegen" / "generate.py")]
BOTH = ["--specs", str(SCHEMAS / "3.9.0"), "--specs", str(SCHEMAS / "4.4.0")]


def snapshot(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def write_spec(directory: Path, name: str, body: dict) -> Path:
    path = directory / f"{name}.json"
    path.write_text("// licence header\n" + json.dumps(body))
    return path


class VersionsTest(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(Versions.parse("3+"), Versions(3, 0x7FFF))
        self.assertEqual(Versions.parse("1-4"), Versions(1, 4))
        self.assertEqual(Versions.parse("2"), Versions(2, 2))
        self.assertTrue(Versions.parse("none").empty)
        self.assertEqual(Versions.parse(None, NONE), NONE)

    def test_conditions_simplify_against_context(self):
        ctx = Versions(0, 11)
        self.assertEqual(cpp.condition(Versions.parse("0+"), ctx), "true")
        self.assertEqual(cpp.condition(Versions.parse("12+"), ctx), "false")
        self.assertEqual(cpp.condition(Versions.parse("3+"), ctx), "_version >= 3")
        self.assertEqual(cpp.condition(Versions.parse("3-5"), ctx), "_version >= 3 && _version <= 5")


class SpecTest(unittest.TestCase):
    def test_comments_are_stripped_outside_strings_only(self):
        text = '// header\n{"about": "see http://kafka.apache.org", // trailing\n "x": 1}'
        self.assertEqual(json.loads(strip_comments(text)), {"about": "see http://kafka.apache.org", "x": 1})

    def test_snake_case(self):
        self.assertEqual(snake_case("TransactionalId"), "transactional_id")
        self.assertEqual(snake_case("ZkMigrationReady"), "zk_migration_ready")
        self.assertEqual(snake_case("IsrVersion"), "isr_version")

    def test_every_upstream_spec_loads(self):
        messages = load_specs(SCHEMAS / "3.9.0")
        self.assertEqual(len(messages), 186)
        kinds = {}
        for m in messages:
            kinds[m.kind] = kinds.get(m.kind, 0) + 1
        self.assertEqual(kinds["request"] + kinds["response"], 176)
        self.assertEqual(kinds["header"], 2)
        self.assertEqual(kinds["data"], 8)

    def test_test_messages_features(self):
        example = load_message(SCHEMAS / "test-messages" / "SimpleExampleMessage.json")
        fields = {f.name: f for f in example.fields}
        self.assertEqual(fields["myTaggedIntArray"].versions, Versions(1, 0x7FFF))  # from taggedVersions
        self.assertEqual(cpp.default_value(fields["myInt16"]), "123")
        self.assertEqual(cpp.default_value(fields["taggedLong"]), "INT64_C(914172222550880202)")
        self.assertTrue(cpp.default_value(fields["taggedUuid"]).startswith("wire::Uuid{{0x1f, 0x72"))
        self.assertEqual(cpp.default_value(fields["myNullableString"]), "std::nullopt")
        self.assertEqual(cpp.member_type(fields["zeroCopyByteBuffer"]), "wire::SharedBytes")
        self.assertEqual([s.name for s in example.structs][:1], ["TestCommonStruct"])

    def test_invalid_specs_are_refused_with_the_field_named(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad_default = write_spec(Path(tmp), "Bad", {
                "name": "Bad", "type": "data", "validVersions": "0",
                "fields": [{"name": "Count", "type": "int8", "versions": "0+", "default": "300"}]})
            m = load_message(bad_default)
            with self.assertRaisesRegex(SpecError, "Count"):
                cpp.default_value(m.fields[0])
            unknown_struct = write_spec(Path(tmp), "Unknown", {
                "name": "Unknown", "type": "data", "validVersions": "0",
                "fields": [{"name": "Things", "type": "[]Thing", "versions": "0+"}]})
            with self.assertRaisesRegex(SpecError, "unknown struct type Thing"):
                load_message(unknown_struct)
            tag_without_versions = write_spec(Path(tmp), "Tag", {
                "name": "Tag", "type": "data", "validVersions": "0", "flexibleVersions": "0+",
                "fields": [{"name": "X", "type": "int32", "versions": "0+", "tag": 0}]})
            with self.assertRaisesRegex(SpecError, "taggedVersions"):
                load_message(tag_without_versions)
            not_json = Path(tmp) / "Broken.json"
            not_json.write_text("{ nope")
            with self.assertRaisesRegex(SpecError, "Broken.json"):
                load_message(not_json)


class GeneratorTest(unittest.TestCase):
    def run_generate(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*GENERATE, *args], capture_output=True, text=True)

    def test_specs_that_do_not_match_the_pin_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            changed = Path(tmp) / "4.4.0"
            changed.mkdir()
            for p in (SCHEMAS / "4.4.0").glob("*.json"):
                (changed / p.name).write_bytes(p.read_bytes())
            with open(changed / "ProduceRequest.json", "a") as f:
                f.write("\n")
            out = Path(tmp) / "out"
            result = self.run_generate("--specs", str(SCHEMAS / "3.9.0"), "--specs", str(changed),
                                       "--test-specs", str(SCHEMAS / "test-messages"), "--out", str(out))
            self.assertEqual(result.returncode, 1, result.stdout)
            self.assertIn("do not match", result.stderr)
            self.assertIn("4.4.0/ProduceRequest.json: sha256 differs", result.stderr)
            self.assertFalse(out.exists())
            # One release alone is not the pinned pair.
            result = self.run_generate("--specs", str(SCHEMAS / "3.9.0"), "--out", str(out))
            self.assertEqual(result.returncode, 1, result.stdout)
            self.assertIn("releases ['3.9.0'] given, ['3.9.0', '4.4.0'] pinned", result.stderr)

    def test_output_is_deterministic(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = Path(tmp) / "a", Path(tmp) / "b"
            for out in (a, b):
                r = self.run_generate(*BOTH, "--out", str(out))
                self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(snapshot(a), snapshot(b))
            self.assertEqual(snapshot(a), snapshot(ROOT / "generated"))

    def test_bump_from_3_8_0_to_3_9_0_touches_only_changed_apis(self):
        old, new = SCHEMAS / "3.8.0", SCHEMAS / "3.9.0"
        with tempfile.TemporaryDirectory() as tmp:
            pin, out = Path(tmp) / "pin.json", Path(tmp) / "generated"
            r = self.run_generate("--specs", str(old), "--out", str(out), "--pin", str(pin),
                                  "--repin", "--release", "3.8.0")
            self.assertEqual(r.returncode, 0, r.stderr)
            before = snapshot(out)
            table_before = (out / "kafka" / "api_table.cc").read_text()
            r = self.run_generate("--specs", str(new), "--out", str(out), "--pin", str(pin),
                                  "--repin", "--release", "3.9.0")
            self.assertEqual(r.returncode, 0, r.stderr)
            after = snapshot(out)
            changed = {f for f in set(before) | set(after) if before.get(f) != after.get(f)}

            old_specs = {m.name: m for m in load_specs(old)}
            new_specs = {m.name: m for m in load_specs(new)}
            # A message's files may change only if its spec file changed.
            spec_changed = {
                name for name in set(old_specs) | set(new_specs)
                if name not in old_specs or name not in new_specs
                or (old / old_specs[name].source).read_bytes() != (new / new_specs[name].source).read_bytes()
            }
            allowed = {f"kafka/{cpp.file_stem(n)}{ext}" for n in spec_changed for ext in (".h", ".cc")}
            allowed |= {"kafka/api_table.h", "kafka/api_table.cc", "kafka/api_dispatch.h", "CMakeLists.txt"}
            self.assertTrue(changed, "the bump changed nothing")
            self.assertLessEqual(changed, allowed, f"files changed without a spec change: {sorted(changed - allowed)}")
            untouched = {f"kafka/{cpp.file_stem(n)}.h" for n in set(old_specs) - spec_changed}
            self.assertFalse(untouched & changed)

            # The API table (and so ApiVersions) follows the new specs with no hand edits.
            table_after = (out / "kafka" / "api_table.cc").read_text()
            for name, spec in new_specs.items():
                if spec.kind != "request":
                    continue
                api = name[: -len("Request")]
                row = re.search(r'\{%d,\s*"%s",\s*(\d+),\s*(\d+),' % (spec.api_key, api), table_after)
                self.assertIsNotNone(row, f"{api} missing from the API table")
                self.assertEqual((int(row[1]), int(row[2])),
                                 (spec.valid_versions.lowest, spec.valid_versions.highest), api)
                if name not in old_specs:
                    self.assertNotIn(f'"{api}"', table_before)
            self.assertIn("Kafka 3.9.0", table_after)
            self.assertIn("Kafka 3.8.0", table_before)

    def test_bump_from_3_9_0_to_3_9_0_and_4_4_0_adds_versions_and_keeps_the_old_ones(self):
        """Kafka 4.x as a regeneration: 3.9.0 alone, then 3.9.0 + 4.4.0. Prints what changed."""
        with tempfile.TemporaryDirectory() as tmp:
            pin, out = Path(tmp) / "pin.json", Path(tmp) / "generated"
            r = self.run_generate("--specs", str(SCHEMAS / "3.9.0"), "--out", str(out), "--pin", str(pin), "--repin")
            self.assertEqual(r.returncode, 0, r.stderr)
            before = snapshot(out)
            r = self.run_generate(*BOTH, "--out", str(out), "--pin", str(pin), "--repin")
            self.assertEqual(r.returncode, 0, r.stderr)
            after = snapshot(out)
            self.assertEqual(after, snapshot(ROOT / "generated"))
            added = sorted(set(after) - set(before))
            removed = sorted(set(before) - set(after))
            changed = sorted(f for f in set(before) & set(after) if before[f] != after[f])
            print(f"\n3.9.0 -> 3.9.0 + 4.4.0: {len(added)} files added, {len(removed)} removed, "
                  f"{len(changed)} changed\n  added: {' '.join(added)}\n  removed: {' '.join(removed)}")

            old = {m.name: m for m in load_specs(SCHEMAS / "3.9.0")}
            new = {m.name: m for m in load_specs(SCHEMAS / "4.4.0")}
            # Only messages whose spec changed (or that are new, or renamed) change.
            same = {n for n in set(old) & set(new)
                    if strip_comments((SCHEMAS / "3.9.0" / old[n].source).read_text())
                    == strip_comments((SCHEMAS / "4.4.0" / new[n].source).read_text())}
            for n in same:
                self.assertNotIn(f"kafka/{cpp.file_stem(n)}.h", changed, n)
            # ListClientMetricsResources is ListConfigResources since 4.0: same key, new name.
            self.assertIn("kafka/list_client_metrics_resources_request.h", removed)
            self.assertIn("kafka/list_config_resources_request.h", added)
            # The 4.x-only APIs and data messages are added.
            for stem in ("streams_group_heartbeat_request", "aborted_txn", "end_txn_marker"):
                self.assertIn(f"kafka/{stem}.h", added)
            table = (out / "kafka" / "api_table.cc").read_text()
            for api, key, lo, hi in (("Produce", 0, 0, 13), ("Fetch", 1, 0, 18), ("ListOffsets", 2, 0, 11),
                                     ("LeaderAndIsr", 4, 0, 7), ("ApiVersions", 18, 0, 5)):
                row = re.search(r'\{%d,\s*"%s",\s*(\d+),\s*(\d+),' % (key, api), table)
                self.assertIsNotNone(row, api)
                self.assertEqual((int(row[1]), int(row[2])), (lo, hi), api)
            self.assertIn("Kafka 3.9.0 + 4.4.0", table)


class UnionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.old = load_specs(SCHEMAS / "3.9.0")
        cls.new = load_specs(SCHEMAS / "4.4.0")
        cls.merged, cls.ranges = union([("3.9.0", cls.old), ("4.4.0", cls.new)])

    def find(self, messages, kind, key_or_name):
        for m in messages:
            if m.kind == kind and (m.api_key == key_or_name or m.name == key_or_name):
                return m
        return None

    def test_every_version_encodes_as_the_newest_release_defining_it(self):
        checked = 0
        for m in self.merged:
            for v in range(m.valid_versions.lowest, m.valid_versions.highest + 1):
                key = m.api_key if m.kind in ("request", "response") else m.name
                newest = self.find(self.new, m.kind, key)
                if newest is None or not newest.valid_versions.contains(v):
                    source = self.find(self.old, m.kind, key)
                else:
                    source = newest
                self.assertTrue(source.valid_versions.contains(v), f"{m.name} v{v}")
                self.assertEqual(layout(m, v), layout(source, v), f"{m.name} v{v}")
                checked += 1
        self.assertGreater(checked, 700)  # every version of all 203 messages

    def test_ranges_join_and_each_release_keeps_its_own(self):
        produce = self.find(self.merged, "request", 0)
        self.assertEqual(produce.valid_versions, Versions(0, 13))
        self.assertEqual(self.ranges[("request", 0)], {"3.9.0": Versions(0, 11), "4.4.0": Versions(3, 13)})
        name = next(f for f in produce.fields[-1].fields if f.name == "Name")  # TopicData.Name
        self.assertEqual(name.versions, Versions(0, 12))
        # Removed by 4.0: 3.9's versions stand, and 4.4 has none.
        leader_and_isr = self.find(self.merged, "request", 4)
        self.assertEqual(leader_and_isr.valid_versions, Versions(0, 7))
        self.assertTrue(self.ranges[("request", 4)]["4.4.0"].empty)
        # 3.9's unstable share-group v0 is not a version 3.9 served: 4.4's v1 starts ShareFetch.
        self.assertEqual(self.find(self.merged, "request", 78).valid_versions.lowest, 1)

    def test_a_renamed_field_is_the_same_field(self):
        lcr = self.find(self.merged, "response", 74)
        self.assertEqual(lcr.name, "ListConfigResourcesResponse")
        self.assertEqual([f.name for f in lcr.fields if f.type.is_array], ["ConfigResources"])

    def api_pair(self, directory: Path, request_fields: list, valid="0-1", unstable=False):
        common = {"apiKey": 1000, "validVersions": valid, "flexibleVersions": "none"}
        write_spec(directory, "FooRequest", {**common, "type": "request", "name": "FooRequest",
                                             "latestVersionUnstable": unstable, "fields": request_fields})
        write_spec(directory, "FooResponse", {**common, "type": "response", "name": "FooResponse", "fields": []})
        return load_specs(directory)

    def test_releases_that_disagree_on_a_version_both_define_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = Path(tmp) / "a", Path(tmp) / "b"
            a.mkdir(), b.mkdir()
            old = self.api_pair(a, [{"name": "Count", "type": "int32", "versions": "0+"}])
            new = self.api_pair(b, [{"name": "Count", "type": "int64", "versions": "0+"}], valid="1-2")
            with self.assertRaisesRegex(SpecError, r"FooRequest v1: the releases disagree .*Count"):
                union([("old", old), ("new", new)])
            # Unless the older release's version was unstable: it never served it.
            old = self.api_pair(a, [{"name": "Count", "type": "int32", "versions": "1+"}], unstable=True)
            merged, _ = union([("old", old), ("new", new)])
            self.assertEqual(self.find(merged, "request", 1000).valid_versions, Versions(0, 2))

    def test_a_field_only_the_dropped_versions_had_is_kept_for_them(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = Path(tmp) / "a", Path(tmp) / "b"
            a.mkdir(), b.mkdir()
            old = self.api_pair(a, [{"name": "Legacy", "type": "int8", "versions": "0"},
                                    {"name": "Count", "type": "int32", "versions": "0+"}])
            new = self.api_pair(b, [{"name": "Count", "type": "int32", "versions": "0+"},
                                    {"name": "Extra", "type": "string", "versions": "2+"}], valid="1-2")
            merged, _ = union([("old", old), ("new", new)])
            foo = self.find(merged, "request", 1000)
            self.assertEqual([(f.name, str(f.versions)) for f in foo.fields],
                             [("Legacy", "0"), ("Count", "0+"), ("Extra", "2+")])


if __name__ == "__main__":
    unittest.main()
