// /v1/topics: list, create, describe, delete, configs.
#include <algorithm>
#include <cctype>
#include <set>

#include <spdlog/spdlog.h>

#include "broker/admin/api.h"
#include "broker/admin/json_util.h"
#include "broker/log/topic_names.h"
#include "broker/core/broker.h"
#include "broker/log/request_limits.h"
#include "broker/config/loggers.h"

namespace chronik::broker::admin {
namespace {

TopicInfo require_topic(Broker& broker, const HttpRequest& req) {
  auto topic = broker.store->find_topic(req.params.at("topic"));
  if (!topic) throw HttpError(404, "no such topic: " + req.params.at("topic"), "topic");
  return *topic;
}

Json partition_json(Broker& broker, const TopicInfo& t, int32_t p) {
  Json j = {{"partition", p}, {"leader", broker.node_id}};
  if (auto o = broker.store->offsets(t.name, p)) {
    j["log_start_offset"] = o->log_start_offset;
    j["log_end_offset"] = o->high_watermark;
    j["last_stable_offset"] = o->lso();  // below the end while a transaction is open there
    j["messages"] = o->high_watermark - o->log_start_offset;
  }
  j["size_bytes"] = broker.store->partition_size(t.name, p);
  return j;
}

// Summary of one topic: partition count, bytes on disk, records retained.
Json topic_summary(Broker& broker, const TopicInfo& t) {
  int64_t size = 0, messages = 0;
  for (int32_t p = 0; p < t.partitions; ++p) {
    size += broker.store->partition_size(t.name, p);
    if (auto o = broker.store->offsets(t.name, p)) messages += o->high_watermark - o->log_start_offset;
  }
  const auto counters = broker.metrics.topic_snapshot(t.name);
  return {{"name", t.name}, {"id", t.id.to_base64()}, {"partitions", t.partitions},
          {"replication_factor", 1}, {"size_bytes", size}, {"messages", messages},
          {"bytes_in_total", counters.bytes_in}, {"messages_in_total", counters.messages_in},
          {"bytes_out_total", counters.bytes_out}};
}

// The "configs" member of a request body: {"key": "value", ...} with string values.
ConfigMap read_configs(const Json& body, const std::string& field) {
  ConfigMap out;
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_object()) throw HttpError(400, "field '" + field + "' must be an object of strings", field);
  for (const auto& [k, v] : it->items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
    else if (v.is_number_integer()) out[k] = std::to_string(v.get<int64_t>());
    else if (v.is_boolean()) out[k] = v.get<bool>() ? "true" : "false";
    else throw HttpError(400, "config '" + k + "' must be a string", field + "." + k);
  }
  return out;
}

// One key at a time, so that the error names the key that failed (matching key names in the
// message named configs.retention.ms for a bad delete.retention.ms).
void validate_configs(const ConfigMap& configs, const std::string& field) {
  for (const auto& [k, v] : configs) {
    try {
      config::validate_topic_configs({{k, v}});
    } catch (const config::ConfigError& e) {
      throw HttpError(400, e.what(), field + "." + k);
    }
  }
}

// The query of a topic list page: ?q=&internal=&sort=&order=&offset=&limit=.
struct TopicPage {
  std::string needle;  // lower case; a topic matches when its lower-cased name contains it
  bool internal = true;
  std::string sort = "name";
  bool descending = false;
  int64_t offset = 0;
  int64_t limit = 100;

  bool matches(const std::string& name) const {
    if (!internal && log::is_internal_topic(name)) return false;
    return lower(name).find(needle) != std::string::npos;
  }
  static std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  }
};

TopicPage read_topic_page(const HttpRequest& req) {
  TopicPage page;
  page.needle = TopicPage::lower(req.arg("q").value_or(""));
  if (page.needle.size() > 249) throw HttpError(400, "q is longer than a topic name can be", "q");
  const auto internal = req.arg("internal").value_or("true");
  if (internal != "true" && internal != "false") throw HttpError(400, "internal must be true or false", "internal");
  page.internal = internal == "true";
  page.sort = req.arg("sort").value_or("name");
  static const std::set<std::string> kSortKeys = {"name", "partitions", "messages", "size_bytes",
                                                  "bytes_in_total", "messages_in_total", "bytes_out_total"};
  if (!kSortKeys.contains(page.sort))
    throw HttpError(400, "sort must be one of name, partitions, messages, size_bytes, bytes_in_total, "
                         "messages_in_total, bytes_out_total", "sort");
  const auto order = req.arg("order").value_or("asc");
  if (order != "asc" && order != "desc") throw HttpError(400, "order must be asc or desc", "order");
  page.descending = order == "desc";
  page.offset = query_int(req, "offset", 0, 0, INT32_MAX);
  page.limit = query_int(req, "limit", 100, 1, 1000);
  return page;
}

}  // namespace

void add_topic_routes(Router& router, AdminContext& ctx) {
  Broker& broker = ctx.broker;

  // One page of the topics matching a search, sorted, with totals over every topic: a
  // console with thousands of topics reads a page, never the whole list.
  router.add("GET", "/v1/topics", [&broker](HttpRequest& req) {
    const TopicPage page = read_topic_page(req);
    Json totals = {{"topics", 0}, {"partitions", 0}, {"messages", 0}, {"size_bytes", 0}};
    std::vector<Json> matching;
    for (const auto& t : broker.store->list_topics()) {
      Json summary = topic_summary(broker, t);
      totals["topics"] = totals["topics"].get<int64_t>() + 1;
      for (const char* k : {"partitions", "messages", "size_bytes"})
        totals[k] = totals[k].get<int64_t>() + summary[k].get<int64_t>();
      if (page.matches(t.name)) matching.push_back(std::move(summary));
    }
    std::stable_sort(matching.begin(), matching.end(), [&page](const Json& a, const Json& b) {
      const Json& x = a[page.sort];
      const Json& y = b[page.sort];
      return page.descending ? y < x : x < y;
    });
    Json topics = Json::array();
    const auto total = static_cast<int64_t>(matching.size());
    for (int64_t i = page.offset; i < total && i < page.offset + page.limit; ++i)
      topics.push_back(std::move(matching[static_cast<size_t>(i)]));
    Json next = page.offset + page.limit < total ? Json(page.offset + page.limit) : Json(nullptr);
    return json_response({{"topics", topics}, {"total", total}, {"offset", page.offset},
                          {"limit", page.limit}, {"next_offset", next}, {"totals", totals}});
  });

  router.add("POST", "/v1/topics", [&broker](HttpRequest& req) {
    const Json body = parse_json_body(req);
    const std::string name = require_string(body, "name");
    std::string why;
    if (!log::valid_topic_name(name, &why)) throw HttpError(400, why, "name");
    if (log::is_internal_topic(name)) throw HttpError(400, name + " is an internal topic", "name");
    if (auto other = log::colliding_topic(*broker.store, name))
      throw HttpError(409, "topic " + name + " collides with existing topic " + *other, "name");
    const auto partitions = static_cast<int32_t>(
        get_int(body, "partitions", broker.config()->get_int("num.partitions"), 1,
                limits::kMaxRecordsPerRequest - 1));  // with the topic record
    get_int(body, "replication_factor", 1, 1, 1);  // a single node: only 1
    const ConfigMap configs = read_configs(body, "configs");
    validate_configs(configs, "configs");
    auto r = broker.store->create_topic(name, partitions, configs, false);
    if (r.error == err(ErrorCode::TOPIC_ALREADY_EXISTS))
      throw HttpError(409, "topic " + name + " already exists", "name");
    if (r.error == err(ErrorCode::POLICY_VIOLATION)) throw HttpError(400, r.message, "partitions");
    if (r.error) throw HttpError(400, r.message.empty() ? "cannot create topic" : r.message, "name");
    ::chronik::config::named_logger("chronik.admin").info("created topic {} with {} partitions (admin endpoint)", name, partitions);
    return json_response(topic_summary(broker, r.topic), 201);
  });

  router.add("GET", "/v1/topics/{topic}", [&broker](HttpRequest& req) {
    const TopicInfo t = require_topic(broker, req);
    Json j = topic_summary(broker, t);
    Json parts = Json::array();
    for (int32_t p = 0; p < t.partitions; ++p) parts.push_back(partition_json(broker, t, p));
    j["partition_details"] = parts;
    j["configs"] = Json::object();
    for (const auto& [k, v] : t.configs) j["configs"][k] = v;
    return json_response(j);
  });

  router.add("DELETE", "/v1/topics/{topic}", [&broker](HttpRequest& req) {
    const TopicInfo t = require_topic(broker, req);
    const int16_t e = broker.store->delete_topic(t.name);
    if (e == err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)) throw HttpError(404, "no such topic: " + t.name, "topic");
    if (e) throw HttpError(500, "cannot delete topic " + t.name + " (Kafka error " + std::to_string(e) + ")");
    broker.forget_topic(t);
    ::chronik::config::named_logger("chronik.admin").info("deleted topic {} (admin endpoint)", t.name);
    return json_response({{"deleted", t.name}});
  });

  router.add("GET", "/v1/topics/{topic}/configs", [&broker](HttpRequest& req) {
    const TopicInfo t = require_topic(broker, req);
    Json configs = Json::array();
    for (const auto& e : broker.config()->describe_topic(t.configs)) configs.push_back(config_entry_json(e));
    return json_response({{"topic", t.name}, {"configs", configs}});
  });

  // Incremental: {"set": {"k": "v"}, "delete": ["k2"]}; other overrides stay.
  router.add("PATCH", "/v1/topics/{topic}/configs", [&broker](HttpRequest& req) {
    const TopicInfo t = require_topic(broker, req);
    const Json body = parse_json_body(req);
    ConfigMap configs = t.configs;
    for (const auto& [k, v] : read_configs(body, "set")) configs[k] = v;
    if (auto it = body.find("delete"); it != body.end()) {
      if (!it->is_array()) throw HttpError(400, "field 'delete' must be an array of names", "delete");
      for (const auto& k : *it) {
        if (!k.is_string()) throw HttpError(400, "field 'delete' must be an array of names", "delete");
        configs.erase(k.get<std::string>());
      }
    }
    if (!body.contains("set") && !body.contains("delete"))
      throw HttpError(400, "nothing to change: give 'set' and/or 'delete'", "set");
    validate_configs(configs, "set");
    if (const int16_t e = broker.store->set_topic_configs(t.name, configs))
      throw HttpError(500, "cannot change configs (Kafka error " + std::to_string(e) + ")");
    ::chronik::config::named_logger("chronik.admin").info("topic {} configs altered (admin endpoint)", t.name);
    Json out = Json::object();
    for (const auto& [k, v] : configs) out[k] = v;
    return json_response({{"topic", t.name}, {"overrides", out}});
  });
}

}  // namespace chronik::broker::admin
