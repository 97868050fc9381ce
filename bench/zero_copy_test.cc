// Records are never copied on the produce and fetch paths: the encoded Writer's chunks point
// into the original frame buffer (bench/zero_copy.h), for the benchmark fixtures' shapes.
#include <catch2/catch.hpp>

#include "bench/zero_copy.h"

using namespace chronik;

TEST_CASE("produce request: record batches stay in the request frame through decode and encode") {
  for (auto [topics, parts, batches] : {std::tuple{2, 4, 2}, std::tuple{4, 16, 1}, std::tuple{1, 1, 8}}) {
    INFO(topics << " topics x " << parts << " partitions x " << batches << " batches");
    auto frame = bench::make_produce_frame(size_t{1} << 20, topics, parts, batches);
    CHECK(frame.record_bytes > (size_t{1} << 20) * 9 / 10);
    CHECK(bench::check_produce_zero_copy(frame) == "");
  }
}

TEST_CASE("fetch response: record batches stay in the response frame through decode and encode") {
  for (auto [topics, parts, batches] : {std::tuple{2, 4, 2}, std::tuple{4, 16, 1}, std::tuple{1, 1, 8}}) {
    INFO(topics << " topics x " << parts << " partitions x " << batches << " batches");
    auto frame = bench::make_fetch_frame(size_t{1} << 20, topics, parts, batches);
    CHECK(frame.record_bytes > (size_t{1} << 20) * 9 / 10);
    CHECK(bench::check_fetch_zero_copy(frame) == "");
  }
}

TEST_CASE("the check itself notices a copy") {
  auto frame = bench::make_produce_frame(size_t{1} << 20, 1, 2, 1);
  // A reader without an owner must copy record batches: the check has to say so.
  const auto* api = message::find_api(message::ProduceRequest::kApiKey);
  wire::Reader in(frame.bytes->data() + 4, frame.bytes->size() - 4);
  auto header = protocol::decode_request_header(in, api->request_header_version(frame.version));
  message::ProduceRequest req;
  req.decode(in, frame.version);
  std::vector<const wire::SharedBytes*> records;
  for (const auto& t : req.topic_data)
    for (const auto& p : t.partition_data) records.push_back(&*p.records);
  wire::Writer w;
  CHECK(bench::detail::check(frame, records, w) != "");
}
