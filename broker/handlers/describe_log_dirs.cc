// DescribeLogDirs: the one log dir, with every (or every requested) partition's size on
// disk and the dir's total and usable bytes. A dir that failed (LogStore::storage_error) is
// offline, as Kafka reports one: KAFKA_STORAGE_ERROR and no partitions. v5's IsCordoned
// (KIP-1066, a dir taking no new partitions) is false: the one dir cannot be cordoned.
#include <sys/statvfs.h>

#include <filesystem>

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::DescribeLogDirsResponse handle(Broker& broker, const Ctx& ctx, m::DescribeLogDirsRequest& req) {
  require_cluster(broker, ctx, AclOperation::kDescribe);
  m::DescribeLogDirsResponse resp;
  m::DescribeLogDirsResponse::DescribeLogDirsResult dir;
  std::error_code ec;
  auto abs = std::filesystem::absolute(broker.log_dir, ec);
  dir.log_dir = ec ? broker.log_dir : abs.lexically_normal().string();
  struct statvfs fs {};
  if (::statvfs(broker.log_dir.c_str(), &fs) == 0) {
    dir.total_bytes = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
    dir.usable_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
  }
  auto add = [&](const TopicInfo& t, const std::vector<int32_t>* only) {
    m::DescribeLogDirsResponse::DescribeLogDirsTopic out;
    out.name = t.name;
    for (int32_t i = 0; i < t.partitions; ++i) {
      if (only && std::find(only->begin(), only->end(), i) == only->end()) continue;
      m::DescribeLogDirsResponse::DescribeLogDirsPartition p;
      p.partition_index = i;
      p.partition_size = broker.store->partition_size(t.name, i);
      p.offset_lag = 0;
      p.is_future_key = false;
      out.partitions.push_back(p);
    }
    if (!out.partitions.empty()) dir.topics.push_back(std::move(out));
  };
  if (broker.store->storage_error()) {
    dir.error_code = err(ErrorCode::KAFKA_STORAGE_ERROR);
  } else if (!req.topics) {
    for (const auto& t : broker.store->list_topics()) add(t, nullptr);
  } else {
    for (const auto& rt : *req.topics)
      if (auto t = broker.store->find_topic(rt.topic)) add(*t, &rt.partitions);
  }
  resp.results.push_back(std::move(dir));
  return resp;
}

}  // namespace chronik::broker::handlers
