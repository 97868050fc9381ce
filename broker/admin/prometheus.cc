// /metrics in the Prometheus text exposition format (version 0.0.4).
//
// A scrape walks every partition once (offsets and sizes are kept in memory by the log, so
// each is a map lookup) and writes into one growing buffer with fmt: with 10,000 partitions
// this stays in the low milliseconds (tests/integration/admin measures it).
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "broker/admin/api.h"
#include "broker/core/broker.h"
#include "generated/kafka/api_table.h"

namespace chronik::broker::admin {
namespace {

using Buffer = fmt::memory_buffer;

void family(Buffer& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// Label values: backslash, double quote and newline escaped.
std::string escape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string api_name(int key) {
  const auto* api = message::find_api(static_cast<int16_t>(key));
  return api ? api->name : "Unknown" + std::to_string(key);
}

void request_metrics(Buffer& out, const Metrics& m) {
  auto it = std::back_inserter(out);
  family(out, "chronik_requests_total", "counter", "Kafka requests handled, per API and version.");
  for (int k = 0; k < Metrics::kMaxApiKey; ++k)
    for (int v = 0; v < Metrics::kMaxVersion; ++v)
      if (auto n = m.requests(k, v))
        fmt::format_to(it, "chronik_requests_total{{api=\"{}\",version=\"{}\"}} {}\n", api_name(k), v, n);
  family(out, "chronik_request_errors_total", "counter",
         "Kafka requests that failed (connection closed, or a top-level error code), per API and version.");
  for (int k = 0; k < Metrics::kMaxApiKey; ++k)
    for (int v = 0; v < Metrics::kMaxVersion; ++v)
      if (m.requests(k, v))
        fmt::format_to(it, "chronik_request_errors_total{{api=\"{}\",version=\"{}\"}} {}\n", api_name(k), v,
                       m.errors(k, v));
  family(out, "chronik_request_duration_seconds", "histogram",
         "Time from a request's arrival to its response being queued (long polls included), per API.");
  for (int k = 0; k < Metrics::kMaxApiKey; ++k) {
    const auto& h = m.latency(k);
    const uint64_t count = h.count.load(std::memory_order_relaxed);
    if (!count) continue;
    const std::string name = api_name(k);
    uint64_t cumulative = 0;
    for (size_t b = 0; b < kLatencyBucketsUs.size(); ++b) {
      cumulative += h.buckets[b].load(std::memory_order_relaxed);
      fmt::format_to(it, "chronik_request_duration_seconds_bucket{{api=\"{}\",le=\"{}\"}} {}\n", name,
                     static_cast<double>(kLatencyBucketsUs[b]) / 1e6, cumulative);
    }
    cumulative += h.buckets.back().load(std::memory_order_relaxed);
    // Buckets and count are read at slightly different moments: keep +Inf == count.
    const uint64_t total = std::max(cumulative, count);
    fmt::format_to(it, "chronik_request_duration_seconds_bucket{{api=\"{}\",le=\"+Inf\"}} {}\n", name, total);
    fmt::format_to(it, "chronik_request_duration_seconds_sum{{api=\"{}\"}} {}\n", name,
                   static_cast<double>(h.sum_us.load(std::memory_order_relaxed)) / 1e6);
    fmt::format_to(it, "chronik_request_duration_seconds_count{{api=\"{}\"}} {}\n", name, total);
  }
}

void topic_metrics(Buffer& out, Broker& broker) {
  auto it = std::back_inserter(out);
  struct Row {
    std::string topic;
    uint64_t bytes_in, messages_in, bytes_out;
  };
  std::vector<Row> rows;
  broker.metrics.for_each_topic([&](const std::string& t, const TopicCounters& c) {
    rows.push_back({t, c.bytes_in.load(std::memory_order_relaxed), c.messages_in.load(std::memory_order_relaxed),
                    c.bytes_out.load(std::memory_order_relaxed)});
  });
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.topic < b.topic; });
  family(out, "chronik_topic_bytes_in_total", "counter", "Bytes of record batches produced to the topic.");
  for (const auto& r : rows) fmt::format_to(it, "chronik_topic_bytes_in_total{{topic=\"{}\"}} {}\n", r.topic, r.bytes_in);
  family(out, "chronik_topic_messages_in_total", "counter", "Records produced to the topic.");
  for (const auto& r : rows)
    fmt::format_to(it, "chronik_topic_messages_in_total{{topic=\"{}\"}} {}\n", r.topic, r.messages_in);
  family(out, "chronik_topic_bytes_out_total", "counter", "Bytes of record batches fetched from the topic.");
  for (const auto& r : rows) fmt::format_to(it, "chronik_topic_bytes_out_total{{topic=\"{}\"}} {}\n", r.topic, r.bytes_out);

  // Partitions: one pass, three families buffered separately (a family's lines must be together).
  Buffer start, end, size;
  auto s_it = std::back_inserter(start), e_it = std::back_inserter(end), z_it = std::back_inserter(size);
  for (const auto& t : broker.store->list_topics()) {
    for (int32_t p = 0; p < t.partitions; ++p) {
      auto o = broker.store->offsets(t.name, p);
      if (!o) continue;
      fmt::format_to(s_it, "chronik_partition_log_start_offset{{topic=\"{}\",partition=\"{}\"}} {}\n", t.name, p,
                     o->log_start_offset);
      fmt::format_to(e_it, "chronik_partition_log_end_offset{{topic=\"{}\",partition=\"{}\"}} {}\n", t.name, p,
                     o->high_watermark);
      fmt::format_to(z_it, "chronik_partition_size_bytes{{topic=\"{}\",partition=\"{}\"}} {}\n", t.name, p,
                     broker.store->partition_size(t.name, p));
    }
  }
  family(out, "chronik_partition_log_start_offset", "gauge", "First offset still in the partition's log.");
  out.append(start);
  family(out, "chronik_partition_log_end_offset", "gauge", "Offset the next record appended to the partition gets.");
  out.append(end);
  family(out, "chronik_partition_size_bytes", "gauge", "Bytes of record batches the partition keeps on disk.");
  out.append(size);
}

void group_metrics(Buffer& out, AdminContext& ctx) {
  if (!ctx.groups) return;
  auto it = std::back_inserter(out);
  Buffer lag, members;
  auto l_it = std::back_inserter(lag), m_it = std::back_inserter(members);
  for (const auto& g : ctx.groups->list()) {
    auto d = ctx.groups->describe(g.group_id);
    if (!d) continue;
    const std::string id = escape(g.group_id);
    fmt::format_to(m_it, "chronik_group_members{{group=\"{}\",state=\"{}\"}} {}\n", id, g.state, d->members.size());
    for (const auto& o : d->offsets)
      if (o.lag >= 0)
        fmt::format_to(l_it, "chronik_group_lag{{group=\"{}\",topic=\"{}\",partition=\"{}\"}} {}\n", id, o.topic,
                       o.partition, o.lag);
  }
  family(out, "chronik_group_members", "gauge", "Members of each consumer group.");
  out.append(members);
  family(out, "chronik_group_lag", "gauge", "Log end offset minus the group's committed offset, per partition.");
  out.append(lag);
  (void)it;
}

// LevelDB's "leveldb.stats" table: Level Files Size(MB) Time(sec) Read(MB) Write(MB).
// Open transactions hold back read_committed consumers: the oldest one's age is the gauge
// to alert on (a hanging transaction), beside what the coordinator has ended.
void transaction_metrics(Buffer& out, Broker& broker) {
  if (!broker.transactions) return;
  auto it = std::back_inserter(out);
  std::map<std::string_view, int64_t> states;
  for (int s = 0; s <= static_cast<int>(txn::TxnState::kCompleteAbort); ++s)
    states[txn::state_name(static_cast<txn::TxnState>(s))] = 0;
  int64_t oldest_ms = 0;
  const int64_t now = now_ms();
  for (const auto& t : broker.transactions->list()) {
    ++states[txn::state_name(t.state)];
    if ((t.state == txn::TxnState::kOngoing || t.preparing()) && t.start_ms >= 0)
      oldest_ms = std::max(oldest_ms, now - t.start_ms);
  }
  family(out, "chronik_transactions", "gauge", "Transactional ids the coordinator knows, per transaction state.");
  for (const auto& [state, n] : states) fmt::format_to(it, "chronik_transactions{{state=\"{}\"}} {}\n", state, n);
  family(out, "chronik_transaction_oldest_open_seconds", "gauge",
         "How long the oldest open transaction has been open (0 when none is): it holds back the last stable "
         "offset of its partitions.");
  fmt::format_to(it, "chronik_transaction_oldest_open_seconds {:.3f}\n", static_cast<double>(oldest_ms) / 1000);
  const auto& c = broker.transactions->counters();
  family(out, "chronik_transactions_ended_total", "counter", "Transactions ended, by result, since the broker started.");
  fmt::format_to(it, "chronik_transactions_ended_total{{result=\"commit\"}} {}\n", c.committed.load());
  fmt::format_to(it, "chronik_transactions_ended_total{{result=\"abort\"}} {}\n", c.aborted.load());
  family(out, "chronik_transactions_timed_out_total", "counter",
         "Transactions the coordinator aborted past their transaction.timeout.ms.");
  fmt::format_to(it, "chronik_transactions_timed_out_total {}\n", c.timed_out.load());
  family(out, "chronik_transactions_fenced_total", "counter",
         "Open transactions aborted because a new producer initialized their transactional id.");
  fmt::format_to(it, "chronik_transactions_fenced_total {}\n", c.fenced.load());
  family(out, "chronik_transaction_markers_total", "counter", "COMMIT and ABORT markers written into partitions.");
  fmt::format_to(it, "chronik_transaction_markers_total {}\n", c.markers.load());
}

void leveldb_metrics(Buffer& out, Broker& broker) {
  auto it = std::back_inserter(out);
  std::vector<std::pair<int, int64_t>> files;
  for (int level = 0; level < 7; ++level) {
    auto v = broker.store->engine_property("leveldb.num-files-at-level" + std::to_string(level));
    if (!v) return;  // not LevelDB
    files.emplace_back(level, std::atoll(v->c_str()));
  }
  family(out, "chronik_leveldb_files", "gauge", "LevelDB table files per level of the batches database.");
  for (auto [level, n] : files) fmt::format_to(it, "chronik_leveldb_files{{level=\"{}\"}} {}\n", level, n);
  struct Level {
    int level;
    double size_mb, time_s, read_mb, write_mb;
  };
  std::vector<Level> levels;
  if (auto stats = broker.store->engine_property("leveldb.stats")) {
    std::istringstream in(*stats);
    std::string line;
    while (std::getline(in, line)) {
      Level l{};
      int64_t nfiles = 0;
      std::istringstream fields(line);
      if (fields >> l.level >> nfiles >> l.size_mb >> l.time_s >> l.read_mb >> l.write_mb) levels.push_back(l);
    }
  }
  family(out, "chronik_leveldb_level_size_bytes", "gauge", "Bytes of LevelDB table files per level of the batches database.");
  for (const auto& l : levels)
    fmt::format_to(it, "chronik_leveldb_level_size_bytes{{level=\"{}\"}} {:.0f}\n", l.level, l.size_mb * 1048576);
  family(out, "chronik_leveldb_compaction_seconds_total", "counter", "Time LevelDB spent compacting into each level of the batches database.");
  for (const auto& l : levels)
    fmt::format_to(it, "chronik_leveldb_compaction_seconds_total{{level=\"{}\"}} {}\n", l.level, l.time_s);
  family(out, "chronik_leveldb_compaction_read_bytes_total", "counter", "Bytes LevelDB read while compacting into each level of the batches database.");
  for (const auto& l : levels)
    fmt::format_to(it, "chronik_leveldb_compaction_read_bytes_total{{level=\"{}\"}} {:.0f}\n", l.level, l.read_mb * 1048576);
  family(out, "chronik_leveldb_compaction_write_bytes_total", "counter", "Bytes LevelDB wrote while compacting into each level of the batches database.");
  for (const auto& l : levels)
    fmt::format_to(it, "chronik_leveldb_compaction_write_bytes_total{{level=\"{}\"}} {:.0f}\n", l.level, l.write_mb * 1048576);
  if (auto mem = broker.store->engine_property("leveldb.approximate-memory-usage")) {
    family(out, "chronik_leveldb_memory_bytes", "gauge", "LevelDB's memtables and block cache in use (both databases).");
    fmt::format_to(it, "chronik_leveldb_memory_bytes {}\n", std::atoll(mem->c_str()));
  }
  auto slowdowns = broker.store->engine_property("chronik.write-slowdowns");
  auto stops = broker.store->engine_property("chronik.write-stops");
  auto micros = broker.store->engine_property("chronik.write-stall-micros");
  if (slowdowns && stops && micros) {
    family(out, "chronik_leveldb_write_stalls_total", "counter",
           "Writes made while LevelDB slowed (level 0 >= 8 files) or stopped (>= 12) writers.");
    fmt::format_to(it, "chronik_leveldb_write_stalls_total{{kind=\"slowdown\"}} {}\n", std::atoll(slowdowns->c_str()));
    fmt::format_to(it, "chronik_leveldb_write_stalls_total{{kind=\"stop\"}} {}\n", std::atoll(stops->c_str()));
    family(out, "chronik_leveldb_write_stall_seconds_total", "counter", "Time the stalled writes took.");
    fmt::format_to(it, "chronik_leveldb_write_stall_seconds_total {:.6f}\n", static_cast<double>(std::atoll(micros->c_str())) / 1e6);
  }
}

// The process collector's standard names (Prometheus client libraries export these), so that
// stock dashboards and alerts find them.
void process_metrics(Buffer& out, Broker& broker) {
  auto it = std::back_inserter(out);
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may contain spaces) start after the last ')'.
  auto close = text.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(text.substr(close + 2));
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
    // f[0] is field 3 (state): utime is field 14, stime 15, vsize 23, rss (pages) 24.
    if (f.size() > 22) {
      const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      const int64_t rss = std::stoll(f[21]) * ::sysconf(_SC_PAGESIZE);
      family(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
      fmt::format_to(it, "process_cpu_seconds_total {}\n", cpu);
      family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
      fmt::format_to(it, "process_resident_memory_bytes {}\n", rss);
      family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
      fmt::format_to(it, "process_virtual_memory_bytes {}\n", f[20]);
    }
  }
  std::error_code ec;
  int64_t fds = 0;
  for (auto i = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && i != std::filesystem::directory_iterator();
       i.increment(ec))
    ++fds;
  if (!ec) {
    family(out, "process_open_fds", "gauge", "Number of open file descriptors.");
    fmt::format_to(it, "process_open_fds {}\n", fds);
  }
  if (struct rlimit limit; ::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
    fmt::format_to(it, "process_max_fds {}\n", static_cast<int64_t>(limit.rlim_cur));
  }
  family(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  fmt::format_to(it, "process_start_time_seconds {}\n", static_cast<double>(broker.start_time_ms) / 1000);
}

}  // namespace

std::string render_metrics(AdminContext& ctx) {
  Broker& broker = ctx.broker;
  const Metrics& m = broker.metrics;
  Buffer out;
  auto it = std::back_inserter(out);
  family(out, "chronik_build_info", "gauge", "Always 1; the labels tell the broker's version and node id.");
  fmt::format_to(it, "chronik_build_info{{version=\"{}\",node_id=\"{}\"}} 1\n", ctx.version, broker.node_id);
  request_metrics(out, m);
  family(out, "chronik_connections_active", "gauge", "Open Kafka client connections.");
  fmt::format_to(it, "chronik_connections_active {}\n", m.connections_active.load());
  family(out, "chronik_connections_accepted_total", "counter", "Kafka client connections accepted.");
  fmt::format_to(it, "chronik_connections_accepted_total {}\n", m.connections_accepted.load());
  family(out, "chronik_authentications_total", "counter",
         "Authentications of Kafka clients (TLS handshakes, SASL exchanges) by outcome; re-authentications (KIP-368) "
         "counted apart.");
  fmt::format_to(it, "chronik_authentications_total{{kind=\"authentication\",result=\"success\"}} {}\n",
                 m.authentications_succeeded.load());
  fmt::format_to(it, "chronik_authentications_total{{kind=\"authentication\",result=\"failure\"}} {}\n",
                 m.authentications_failed.load());
  fmt::format_to(it, "chronik_authentications_total{{kind=\"reauthentication\",result=\"success\"}} {}\n",
                 m.reauthentications_succeeded.load());
  fmt::format_to(it, "chronik_authentications_total{{kind=\"reauthentication\",result=\"failure\"}} {}\n",
                 m.reauthentications_failed.load());
  family(out, "chronik_expired_sessions_closed_total", "counter",
         "Connections closed because their SASL session ended (connections.max.reauth.ms or the credential's "
         "expiry) before the client re-authenticated.");
  fmt::format_to(it, "chronik_expired_sessions_closed_total {}\n", m.expired_sessions_closed.load());
  family(out, "chronik_purgatory_size", "gauge",
         "Requests waiting: fetches long-polling for data, JoinGroup/SyncGroup waiting for their group. "
         "Produce requests never wait on a single node (acks=all completes on the local write).");
  fmt::format_to(it, "chronik_purgatory_size{{kind=\"fetch\"}} {}\n", m.waiting_fetches.load());
  fmt::format_to(it, "chronik_purgatory_size{{kind=\"group\"}} {}\n", m.waiting_group_requests.load());
  fmt::format_to(it, "chronik_purgatory_size{{kind=\"produce\"}} 0\n");
  family(out, "chronik_admin_http_requests_total", "counter", "Requests served by the admin HTTP endpoint.");
  fmt::format_to(it, "chronik_admin_http_requests_total {}\n", m.http_requests.load());
  const auto telemetry = broker.telemetry.counters();
  family(out, "chronik_client_telemetry_pushes_total", "counter",
         "PushTelemetry requests accepted (KIP-714); their metrics are dropped.");
  fmt::format_to(it, "chronik_client_telemetry_pushes_total {}\n", telemetry.pushes);
  family(out, "chronik_client_telemetry_pushed_bytes_total", "counter", "Metrics bytes of accepted pushes, as sent.");
  fmt::format_to(it, "chronik_client_telemetry_pushed_bytes_total {}\n", telemetry.pushed_bytes);
  family(out, "chronik_client_telemetry_throttled_total", "counter",
         "GetTelemetrySubscriptions and PushTelemetry requests answered THROTTLING_QUOTA_EXCEEDED.");
  fmt::format_to(it, "chronik_client_telemetry_throttled_total {}\n", telemetry.throttled);
  family(out, "chronik_client_telemetry_instances", "gauge", "Client telemetry instances the broker knows.");
  fmt::format_to(it, "chronik_client_telemetry_instances {}\n", telemetry.instances);
  topic_metrics(out, broker);
  group_metrics(out, ctx);
  transaction_metrics(out, broker);
  leveldb_metrics(out, broker);
  process_metrics(out, broker);
  return fmt::to_string(out);
}

void add_metrics_routes(Router& router, AdminContext& ctx) {
  router.add("GET", "/metrics", [&ctx](HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = render_metrics(ctx);
    return r;
  });
}

}  // namespace chronik::broker::admin
