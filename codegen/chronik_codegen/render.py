"""Renders the model through the Jinja2 templates beside this file."""

from __future__ import annotations

from pathlib import Path

import jinja2

from . import cpp
from .spec import Message, SpecError
from .versions import Versions

TEMPLATES = Path(__file__).resolve().parent / "templates"

# Kafka's two exceptions to "flexible versions use the new headers" (KIP-482): ApiVersions
# responses keep header v0 so that a client can always parse them, and ControlledShutdown v0
# predates the client id and uses request header v0.
RESPONSE_HEADER_ALWAYS_V0 = {"ApiVersions"}
REQUEST_HEADER_V0_VERSIONS = {"ControlledShutdown": Versions(0, 0)}

LISTENER_BITS = {"zkBroker": "kZkBroker", "broker": "kBroker", "controller": "kController"}


class Api:
    """One API key: its request and response specs, as the API table needs them."""

    def __init__(self, request: Message, response: Message):
        if request.valid_versions != response.valid_versions:
            raise SpecError(f"{request.name} and {response.name} disagree on valid versions")
        if request.flexible_versions != response.flexible_versions:
            raise SpecError(f"{request.name} and {response.name} disagree on flexible versions")
        self.key = request.api_key
        self.name = request.name[: -len("Request")]
        self.request = request
        self.response = response
        self.valid = request.valid_versions
        self.highest_stable = self.valid.highest - (1 if request.latest_version_unstable else 0)
        self.first_flexible = request.flexible_versions.lowest if not request.flexible_versions.empty else -1
        self.response_header_always_v0 = self.name in RESPONSE_HEADER_ALWAYS_V0
        v0 = REQUEST_HEADER_V0_VERSIONS.get(self.name)
        self.request_header_v0_highest = v0.highest if v0 else -1
        unknown = set(request.listeners) - set(LISTENER_BITS)
        if unknown:
            raise SpecError(f"{request.name}: unknown listeners {sorted(unknown)}")
        self.listener_bits = [LISTENER_BITS[x] for x in request.listeners]
        self.enum_name = "k" + self.name


def pair_apis(messages: list[Message]) -> list[Api]:
    requests = {m.api_key: m for m in messages if m.kind == "request"}
    responses = {m.api_key: m for m in messages if m.kind == "response"}
    if set(requests) != set(responses):
        raise SpecError(f"API keys without a request/response pair: {sorted(set(requests) ^ set(responses))}")
    return [Api(requests[k], responses[k]) for k in sorted(requests)]


class Renderer:
    def __init__(self, release: str, releases: list[str] | None = None,
                 release_ranges: dict[tuple, dict[str, Versions]] | None = None):
        self.release = release
        self.releases = releases or []
        self.release_ranges = release_ranges or {}
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(cpp.FILTERS)

    def _write(self, path: Path, template: str, **context) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        context.setdefault("release", self.release)
        path.write_text(self.env.get_template(template).render(**context))

    def _messages(self, out: Path, folder: str, namespace: str, messages: list[Message]) -> list[str]:
        sources = []
        for m in messages:
            stem = cpp.file_stem(m.name)
            header = f"generated/{folder}/{stem}.h"
            ctx = dict(message=m, namespace=namespace, header=header)
            self._write(out / folder / f"{stem}.h", "message.h.j2", **ctx)
            self._write(out / folder / f"{stem}.cc", "message.cc.j2", **ctx)
            sources.append(f"{folder}/{stem}.cc")
        return sources

    def render_all(self, out: Path, kafka: list[Message], tests: list[Message], state: list[Message]) -> None:
        apis = pair_apis(kafka)
        for api in apis:
            per = self.release_ranges.get(("request", api.key), {})
            api.releases = [per.get(r, Versions(0, -1)) for r in self.releases]
        kafka_sources = self._messages(out, "kafka", "chronik::message", kafka)
        others = [m for m in kafka if m.kind not in ("request", "response")]
        self._write(out / "kafka" / "api_table.h", "api_table.h.j2", apis=apis, releases=self.releases)
        self._write(out / "kafka" / "api_table.cc", "api_table.cc.j2", apis=apis, releases=self.releases)
        self._write(out / "kafka" / "api_dispatch.h", "api_dispatch.h.j2", apis=apis, others=others)
        kafka_sources.append("kafka/api_table.cc")
        test_sources = self._messages(out, "test_messages", "chronik::message::test", tests)
        state_sources = self._messages(out, "state", "chronik::state", state)
        self._write(
            out / "CMakeLists.txt", "CMakeLists.txt.j2",
            kafka_sources=kafka_sources, test_sources=test_sources, state_sources=state_sources,
        )
