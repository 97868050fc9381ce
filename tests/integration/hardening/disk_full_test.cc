// Issue 18, finding 4: a full disk. The broker runs with its log dir on a small tmpfs that
// this test mounts (root only; skipped with a message elsewhere), next to a filler file.
// Produce until the disk is full: every partition answers KAFKA_STORAGE_ERROR on a connection
// that stays open, offset commits answer NOT_COORDINATOR, the other requests that write
// (CreateTopics, CreatePartitions, DeleteRecords, DeleteTopics) answer KAFKA_STORAGE_ERROR
// per topic or partition on one connection and change nothing, DescribeLogDirs shows the dir
// offline, the broker is not ready and says so in one log line; deleting the filler makes writes resume with every acknowledged record
// readable; SIGTERM on a full disk exits with the documented status 3, not an abort; the
// broker restarts with no space (or 1 MiB) left, without leaving files behind, and keeps
// every acknowledged record across a kill -9.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "generated/kafka/create_partitions_request.h"
#include "generated/kafka/create_partitions_response.h"
#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/delete_records_request.h"
#include "generated/kafka/delete_records_response.h"
#include "generated/kafka/delete_topics_request.h"
#include "generated/kafka/delete_topics_response.h"
#include "generated/kafka/describe_log_dirs_request.h"
#include "generated/kafka/describe_log_dirs_response.h"
#include "generated/kafka/list_offsets_request.h"
#include "generated/kafka/list_offsets_response.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/offset_commit_request.h"
#include "generated/kafka/offset_commit_response.h"
#include "generated/kafka/produce_request.h"
#include "generated/kafka/produce_response.h"
#include "runtime/record/batch.h"
#include "tests/integration/hardening/small_filesystem.h"
#include "tests/integration/hardening/target_broker.h"

namespace {

namespace m = chronik::message;
namespace record = chronik::record;
namespace wire = chronik::wire;
namespace fs = std::filesystem;
using chronik::testing::BrokerProcess;
using chronik::testing::RawConnection;
using chronik::testing::SmallFilesystem;
using chronik::testing::fill;

constexpr int16_t kStorageError = 56;
constexpr int16_t kNotCoordinator = 16;
constexpr int32_t kPartitions = 3;

// The status of GET `path` on the admin listener.
int http_status(uint16_t port, const std::string& path) {
  const int fd = chronik::testing::connect_loopback(port);
  if (fd < 0) return -1;
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) < 0) {
    ::close(fd);
    return -1;
  }
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  if (out.size() < 12) return -1;
  return std::stoi(out.substr(9, 3));
}

int count_lines_with(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line))
    if (line.find(needle) != std::string::npos) ++n;
  return n;
}

std::set<std::string> files_under(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.insert(fs::relative(e.path(), dir).string());
  return out;
}

template <class Resp, class Req>
Resp exchange(RawConnection& c, const Req& req, int16_t version, int32_t correlation_id) {
  c.send_frame(chronik::testing::request_bytes(req, version, correlation_id, "disk-full"));
  const std::string frame = c.read_frame(30000);
  REQUIRE(!frame.empty());  // the connection stays open and answers
  return chronik::testing::parse_response<Resp>(frame, version);
}

// What the broker acknowledged: partition -> (offset -> value).
using Acked = std::map<int32_t, std::map<int64_t, std::string>>;

class Producer {
 public:
  Producer(uint16_t port, std::string topic) : conn_(port), topic_(std::move(topic)) {}

  // One request with a batch of `records` values of `value_size` bytes for every partition.
  // Returns each partition's error code; acknowledged values go to `acked`.
  std::vector<int16_t> produce(Acked& acked, int records = 16, size_t value_size = 16 << 10) {
    m::ProduceRequest req;
    req.acks = -1;
    req.timeout_ms = 30000;
    m::ProduceRequest::TopicProduceData td;
    td.name = topic_;
    std::map<int32_t, std::vector<std::string>> values;
    for (int32_t p = 0; p < kPartitions; ++p) {
      std::vector<record::Record> batch(static_cast<size_t>(records));
      for (int i = 0; i < records; ++i) {
        std::string v = "p" + std::to_string(p) + "-n" + std::to_string(next_++) + "-";
        v.resize(value_size, static_cast<char>('a' + (next_ % 26)));
        batch[static_cast<size_t>(i)].offset_delta = i;
        batch[static_cast<size_t>(i)].value = record::Bytes(v.begin(), v.end());
        values[p].push_back(std::move(v));
      }
      record::BatchOptions o;
      o.base_timestamp = 1700000000000;
      m::ProduceRequest::PartitionProduceData pd;
      pd.index = p;
      pd.records = wire::SharedBytes::adopt(record::build_batch(o, batch));
      td.partition_data.push_back(pd);
    }
    req.topic_data.push_back(td);
    auto resp = exchange<m::ProduceResponse>(conn_, req, 9, ++correlation_);
    std::vector<int16_t> errors(kPartitions, -1);
    for (const auto& pr : resp.responses.at(0).partition_responses) {
      errors.at(static_cast<size_t>(pr.index)) = pr.error_code;
      if (pr.error_code != 0) continue;
      auto& vs = values[pr.index];
      for (size_t i = 0; i < vs.size(); ++i) acked[pr.index][pr.base_offset + static_cast<int64_t>(i)] = vs[i];
    }
    return errors;
  }

  int16_t commit_offset(const std::string& group, int64_t offset) {
    m::OffsetCommitRequest req;
    req.group_id = group;
    req.generation_id_or_member_epoch = -1;
    m::OffsetCommitRequest::OffsetCommitRequestTopic t;
    t.name = topic_;
    m::OffsetCommitRequest::OffsetCommitRequestPartition p;
    p.partition_index = 0;
    p.committed_offset = offset;
    t.partitions.push_back(p);
    req.topics.push_back(t);
    auto resp = exchange<m::OffsetCommitResponse>(conn_, req, 8, ++correlation_);
    return resp.topics.at(0).partitions.at(0).error_code;
  }

 private:
  RawConnection conn_;
  std::string topic_;
  int32_t correlation_ = 0;
  int next_ = 0;
};

// Every record of every partition, read with Fetch from offset 0 to the high watermark.
Acked read_all(uint16_t port, const std::string& topic) {
  Acked out;
  RawConnection c(port);
  int32_t correlation = 0;
  for (int32_t p = 0; p < kPartitions; ++p) {
    int64_t offset = 0;
    for (;;) {
      m::FetchRequest req;
      req.max_wait_ms = 0;
      req.min_bytes = 0;
      req.max_bytes = 8 << 20;
      m::FetchRequest::FetchTopic t;
      t.topic = topic;
      m::FetchRequest::FetchPartition fp;
      fp.partition = p;
      fp.fetch_offset = offset;
      fp.partition_max_bytes = 8 << 20;
      t.partitions.push_back(fp);
      req.topics.push_back(t);
      auto resp = exchange<m::FetchResponse>(c, req, 11, ++correlation);
      const auto& pd = resp.responses.at(0).partitions.at(0);
      REQUIRE(pd.error_code == 0);
      if (offset >= pd.high_watermark || !pd.records || pd.records->empty()) break;
      auto bytes = pd.records->span();
      while (bytes.size() >= 61) {
        auto header = record::check_batch_frame(bytes);
        const size_t size = header.size_in_bytes();
        if (size > bytes.size()) break;
        auto batch = record::decode_batch(bytes.first(size));
        for (const auto& r : batch.records) {
          const int64_t o = batch.header.base_offset + r.offset_delta;
          if (o >= offset && r.value) out[p][o] = std::string(r.value->begin(), r.value->end());
        }
        offset = batch.header.base_offset + batch.header.last_offset_delta + 1;
        bytes = bytes.subspan(size);
      }
    }
  }
  return out;
}

void require_all_acked_readable(uint16_t port, const std::string& topic, const Acked& acked) {
  const Acked stored = read_all(port, topic);
  size_t checked = 0;
  for (const auto& [p, values] : acked)
    for (const auto& [offset, value] : values) {
      INFO("partition " << p << " offset " << offset);
      auto part = stored.find(p);
      REQUIRE(part != stored.end());
      auto it = part->second.find(offset);
      REQUIRE(it != part->second.end());
      REQUIRE(it->second == value);
      ++checked;
    }
  REQUIRE(checked > 0);
}

void wait_for_ready_status(uint16_t admin_port, int want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int got = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    got = http_status(admin_port, "/v1/health/ready");
    if (got == want) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(got == want);
}

constexpr const char* kFailedLine = "Writes answer KAFKA_STORAGE_ERROR";

// On a failed log dir, every request that writes answers KAFKA_STORAGE_ERROR where it writes,
// all on one connection, and nothing changes; what only reads answers as before.
void require_writes_refused(uint16_t port, const std::string& topic) {
  RawConnection c(port);
  int32_t correlation = 0;
  {
    m::CreateTopicsRequest req;
    m::CreateTopicsRequest::CreatableTopic t;
    t.name = topic + "-new";
    t.num_partitions = 1;
    t.replication_factor = 1;
    req.topics.push_back(t);
    auto resp = exchange<m::CreateTopicsResponse>(c, req, 7, ++correlation);
    REQUIRE(resp.topics.at(0).error_code == kStorageError);
  }
  {
    m::CreatePartitionsRequest req;
    m::CreatePartitionsRequest::CreatePartitionsTopic t;
    t.name = topic;
    t.count = kPartitions + 2;
    t.assignments = std::nullopt;
    req.topics.push_back(t);
    auto resp = exchange<m::CreatePartitionsResponse>(c, req, 3, ++correlation);
    REQUIRE(resp.results.at(0).error_code == kStorageError);
  }
  {
    m::DeleteRecordsRequest req;
    m::DeleteRecordsRequest::DeleteRecordsTopic t;
    t.name = topic;
    m::DeleteRecordsRequest::DeleteRecordsPartition p;
    p.partition_index = 0;
    p.offset = 1;
    t.partitions.push_back(p);
    req.topics.push_back(t);
    auto resp = exchange<m::DeleteRecordsResponse>(c, req, 2, ++correlation);
    REQUIRE(resp.topics.at(0).partitions.at(0).error_code == kStorageError);
  }
  {
    m::DeleteTopicsRequest req;
    req.topic_names = {topic};
    auto resp = exchange<m::DeleteTopicsResponse>(c, req, 4, ++correlation);
    REQUIRE(resp.responses.at(0).error_code == kStorageError);
  }
  {
    m::DescribeLogDirsRequest req;
    req.topics = std::nullopt;
    auto resp = exchange<m::DescribeLogDirsResponse>(c, req, 4, ++correlation);
    REQUIRE(resp.results.at(0).error_code == kStorageError);
  }
  {
    m::ListOffsetsRequest req;
    req.replica_id = -1;
    m::ListOffsetsRequest::ListOffsetsTopic t;
    t.name = topic;
    m::ListOffsetsRequest::ListOffsetsPartition p;
    p.partition_index = 0;
    p.timestamp = -2;  // earliest: DeleteRecords moved nothing
    t.partitions.push_back(p);
    req.topics.push_back(t);
    auto resp = exchange<m::ListOffsetsResponse>(c, req, 7, ++correlation);
    REQUIRE(resp.topics.at(0).partitions.at(0).error_code == 0);
    REQUIRE(resp.topics[0].partitions[0].offset == 0);
  }
}

}  // namespace

TEST_CASE("a full disk: storage errors per partition, not ready, resumes when space returns, "
          "stops and restarts cleanly", "[disk-full]") {
  if (chronik::testing::against_kafka()) {
    SUCCEED("restarts and a small file system of its own: chronik only");
    return;
  }
  SmallFilesystem small(64);
  if (!small.mounted()) {
    WARN("skipped: cannot mount a small tmpfs (" << small.why_not() << ")");
    return;
  }
  const std::string filler = small.dir() + "/filler";
  fill(filler, 24 << 20);
  const std::string data_dir = small.dir() + "/data";
  const uint16_t admin_port = BrokerProcess::free_port();
  BrokerProcess broker({{"log.dirs", data_dir},
                        {"admin.listeners", "http://127.0.0.1:" + std::to_string(admin_port)}});
  broker.start();
  wait_for_ready_status(admin_port, 200);

  const std::string topic = "disk-full";
  {
    m::CreateTopicsRequest req;
    m::CreateTopicsRequest::CreatableTopic t;
    t.name = topic;
    t.num_partitions = kPartitions;
    t.replication_factor = 1;
    req.topics.push_back(t);
    auto resp = chronik::testing::call<m::CreateTopicsResponse>(broker.port(), req, 7);
    REQUIRE(resp.topics.at(0).error_code == 0);
  }

  Acked acked;
  Producer producer(broker.port(), topic);
  REQUIRE(producer.commit_offset("disk-full-group", 1) == 0);

  // Fill the disk: about 40 MiB are left, and a request carries 768 KiB.
  std::vector<int16_t> errors;
  for (int i = 0; i < 400; ++i) {
    errors = producer.produce(acked);
    if (errors != std::vector<int16_t>(kPartitions, 0)) break;
  }
  REQUIRE(!acked.empty());
  // Requests that fail, on the same connection: every partition says KAFKA_STORAGE_ERROR.
  for (int i = 0; i < 5; ++i) {
    errors = producer.produce(acked);
    REQUIRE(errors == std::vector<int16_t>(kPartitions, kStorageError));
  }
  REQUIRE(producer.commit_offset("disk-full-group", 2) == kNotCoordinator);
  require_writes_refused(broker.port(), topic);
  REQUIRE(http_status(admin_port, "/v1/health/ready") == 503);
  REQUIRE(http_status(admin_port, "/v1/health/live") == 200);
  REQUIRE(count_lines_with(broker.log_path(), kFailedLine) == 1);
  require_all_acked_readable(broker.port(), topic, acked);  // reads go on meanwhile

  // Space returns: writes resume on the same connection, nothing acknowledged is lost.
  fs::remove(filler);
  wait_for_ready_status(admin_port, 200);
  REQUIRE(count_lines_with(broker.log_path(), "writes resume") == 1);
  for (int i = 0; i < 5; ++i) REQUIRE(producer.produce(acked) == std::vector<int16_t>(kPartitions, 0));
  REQUIRE(producer.commit_offset("disk-full-group", 3) == 0);
  require_all_acked_readable(broker.port(), topic, acked);

  // Full again, then SIGTERM: a clean stop with the documented status, not an abort.
  fill(filler);
  for (int i = 0; i < 400; ++i) {
    errors = producer.produce(acked);
    if (errors != std::vector<int16_t>(kPartitions, 0)) break;
  }
  REQUIRE(errors == std::vector<int16_t>(kPartitions, kStorageError));
  REQUIRE(broker.stop() == 3);
  REQUIRE(count_lines_with(broker.log_path(), "terminate called") == 0);

  // Restart with the disk full: nothing may be left behind, whether or not it starts.
  fill(filler);
  const auto before = files_under(data_dir);
  for (int attempt = 0; attempt < 3; ++attempt) {
    bool started = true;
    try {
      broker.start();
    } catch (const std::exception&) {
      started = false;
    }
    if (started) {
      // Its final flush has no room either: 3, as documented (never an abort).
      const int status = broker.stop();
      REQUIRE((status == 0 || status == 3));
    }
    std::set<std::string> added;
    for (const auto& f : files_under(data_dir))
      if (!before.count(f) && !f.ends_with("LOG") && !f.ends_with("LOG.old")) added.insert(f);
    INFO("attempt " << attempt);
    REQUIRE(added.empty());
  }

  // With 1 MiB free it starts, serves every acknowledged record and takes new ones.
  fs::resize_file(filler, fs::file_size(filler) - (1 << 20));
  broker.start();
  wait_for_ready_status(admin_port, 200);
  require_all_acked_readable(broker.port(), topic, acked);
  {
    Producer small_producer(broker.port(), topic);
    REQUIRE(small_producer.produce(acked, 4, 1024) == std::vector<int16_t>(kPartitions, 0));
  }

  // And a crash keeps them.
  broker.kill9();
  fs::remove(filler);
  broker.start();
  require_all_acked_readable(broker.port(), topic, acked);
  REQUIRE(broker.stop() == 0);
}
