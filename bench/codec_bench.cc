// Codec micro-benchmarks (Google Benchmark). bench/run-codec runs them in a release build
// and writes the results into docs/benchmarks.md.
//
// The produce and fetch cases decode a whole frame (header + body) and encode it again as
// the broker would (size prefix, header, body, scatter-gather chunks for the socket). Record
// batches are SharedBytes slices of the frame and the Writer references them, so the cost
// does not grow with the bytes of records: bytes/s is frame bytes over time.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "bench/codec_fixtures.h"
#include "bench/zero_copy.h"

using namespace chronik;

namespace {

constexpr size_t kOneMiB = size_t{1} << 20;

template <class Message, bool kIsRequest>
void decode_encode(benchmark::State& state, const bench::Frame& frame) {
  const auto* api = message::find_api(Message::kApiKey);
  const int16_t hv = kIsRequest ? api->request_header_version(frame.version)
                                : api->response_header_version(frame.version);
  const auto& bytes = *frame.bytes;
  for (auto _ : state) {
    wire::Reader in(bytes.data() + 4, bytes.size() - 4, frame.bytes);
    Message m;
    wire::Writer w;
    w.write_int32(0);
    if constexpr (kIsRequest) {
      auto header = protocol::decode_request_header(in, hv);
      m.decode(in, frame.version);
      protocol::encode_request_header(w, header, hv);
    } else {
      auto header = protocol::decode_response_header(in, hv);
      m.decode(in, frame.version);
      protocol::encode_response_header(w, header, hv);
    }
    m.encode(w, frame.version);
    bench::finish_frame(w);
    auto chunks = w.chunks();
    benchmark::DoNotOptimize(chunks.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.counters["frame_bytes"] = static_cast<double>(bytes.size());
  state.counters["partitions"] = static_cast<double>(state.range(0) * state.range(1));
}

// Args: topics, partitions per topic, batches per partition.
void BM_ProduceRequest_DecodeEncode_1MiB(benchmark::State& state) {
  auto frame = bench::make_produce_frame(kOneMiB, static_cast<int>(state.range(0)),
                                         static_cast<int>(state.range(1)),
                                         static_cast<int>(state.range(2)));
  if (auto err = bench::check_produce_zero_copy(frame); !err.empty()) {
    state.SkipWithError(err.c_str());
    return;
  }
  decode_encode<message::ProduceRequest, true>(state, frame);
}

void BM_FetchResponse_DecodeEncode_1MiB(benchmark::State& state) {
  auto frame = bench::make_fetch_frame(kOneMiB, static_cast<int>(state.range(0)),
                                       static_cast<int>(state.range(1)),
                                       static_cast<int>(state.range(2)));
  if (auto err = bench::check_fetch_zero_copy(frame); !err.empty()) {
    state.SkipWithError(err.c_str());
    return;
  }
  decode_encode<message::FetchResponse, false>(state, frame);
}

// Args: topics, partitions per topic. The response is built once; each iteration encodes it
// the way a handler's answer is sent: size() for the frame prefix, then encode().
void BM_MetadataResponse_Encode(benchmark::State& state) {
  const auto* api = message::find_api(message::MetadataResponse::kApiKey);
  const int16_t version = api->highest_stable_version;
  const int16_t hv = api->response_header_version(version);
  auto metadata = bench::make_metadata(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  protocol::ResponseHeader header;
  header.correlation_id = 42;
  size_t frame_bytes = 0;
  for (auto _ : state) {
    wire::Writer w;
    w.reserve(4 + 8 + metadata.size(version));
    w.write_int32(0);
    protocol::encode_response_header(w, header, hv);
    metadata.encode(w, version);
    bench::finish_frame(w);
    frame_bytes = w.size();
    benchmark::DoNotOptimize(w.chunks().data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * frame_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * state.range(0)));  // topics
  state.counters["frame_bytes"] = static_cast<double>(frame_bytes);
}

// The same response decoded (what a client library does), for comparison.
void BM_MetadataResponse_Decode(benchmark::State& state) {
  const auto* api = message::find_api(message::MetadataResponse::kApiKey);
  const int16_t version = api->highest_stable_version;
  auto metadata = bench::make_metadata(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  wire::Writer w;
  metadata.encode(w, version);
  const auto bytes = std::move(w).take_bytes();
  for (auto _ : state) {
    wire::Reader in(bytes);
    message::MetadataResponse m;
    m.decode(in, version);
    benchmark::DoNotOptimize(m.topics.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * state.range(0)));
}

}  // namespace

// 2 topics x 4 partitions x 2 batches of 64 KiB; 4 x 16 partitions x 1 batch of 16 KiB.
BENCHMARK(BM_ProduceRequest_DecodeEncode_1MiB)->Args({2, 4, 2})->Args({4, 16, 1})->ArgNames({"topics", "parts", "batches"});
BENCHMARK(BM_FetchResponse_DecodeEncode_1MiB)->Args({2, 4, 2})->Args({4, 16, 1})->ArgNames({"topics", "parts", "batches"});
BENCHMARK(BM_MetadataResponse_Encode)->Args({1000, 10})->ArgNames({"topics", "parts"})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MetadataResponse_Decode)->Args({1000, 10})->ArgNames({"topics", "parts"})->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
