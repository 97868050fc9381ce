"""Tests of the generator itself: the spec model, the pin, and a protocol bump.

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
from chronik_codegen.versions import NONE, Versions  # noqa: E402

GENERATE = [sys.executable, str(ROOT / "codegen" / "generate.py")]


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
            result = self.run_generate("--specs", str(SCHEMAS / "3.8.0"), "--out", tmp)
            self.assertEqual(result.returncode, 1, result.stdout)
            self.assertIn("do not match", result.stderr)
            self.assertIn("sha256 differs", result.stderr)
            self.assertEqual(list(Path(tmp).iterdir()), [])

    def test_output_is_deterministic(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = Path(tmp) / "a", Path(tmp) / "b"
            for out in (a, b):
                r = self.run_generate("--specs", str(SCHEMAS / "3.9.0"), "--out", str(out))
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
                row = re.search(r'\{%d, "%s", (\d+), (\d+),' % (spec.api_key, api), table_after)
                self.assertIsNotNone(row, f"{api} missing from the API table")
                self.assertEqual((int(row[1]), int(row[2])),
                                 (spec.valid_versions.lowest, spec.valid_versions.highest), api)
                if name not in old_specs:
                    self.assertNotIn(f'"{api}"', table_before)
            self.assertIn("Kafka 3.9.0", table_after)
            self.assertIn("Kafka 3.8.0", table_before)


if __name__ == "__main__":
    unittest.main()
