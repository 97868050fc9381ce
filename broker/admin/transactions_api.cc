// /v1/transactions: the transaction coordinator's transactional ids (what ListTransactions
// and DescribeTransactions tell a Kafka client), with how long an open transaction has been
// open, so that an operator sees a hanging one before its read_committed consumers stall.
#include "broker/admin/api.h"
#include "broker/core/broker.h"
#include "broker/log/topic_names.h"

namespace chronik::broker::admin {
namespace {

txn::TxnCoordinator& coordinator(Broker& broker) {
  if (!broker.transactions) throw HttpError(503, "this broker runs no transaction coordinator");
  return *broker.transactions;
}

bool open(const txn::TransactionMetadata& m) {
  return m.state == txn::TxnState::kOngoing || m.preparing();
}

Json summary_json(const txn::TransactionMetadata& m, int64_t now) {
  Json j = {{"transactional_id", m.transactional_id},
            {"state", std::string(txn::state_name(m.state))},
            {"producer_id", m.producer_id},
            {"producer_epoch", m.producer_epoch},
            {"timeout_ms", m.timeout_ms},
            {"partitions", m.partitions.size()},
            {"last_update_ms", m.last_update_ms}};
  j["start_ms"] = open(m) && m.start_ms >= 0 ? Json(m.start_ms) : Json(nullptr);
  j["open_ms"] = open(m) && m.start_ms >= 0 ? Json(now - m.start_ms) : Json(nullptr);
  return j;
}

}  // namespace

void add_transaction_routes(Router& router, AdminContext& ctx) {
  Broker& broker = ctx.broker;

  router.add("GET", "/v1/transactions", [&broker](HttpRequest& req) {
    auto& txns = coordinator(broker);
    std::optional<txn::TxnState> state;
    if (auto s = req.arg("state")) {
      state = txn::state_from_name(*s);
      if (!state) throw HttpError(400, "state must be one of Kafka's transaction states (Empty, Ongoing, "
                                       "PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort)", "state");
    }
    const int64_t min_open_ms = query_int(req, "min_open_ms", 0, 0, INT64_MAX);
    const int64_t now = now_ms();
    Json list = Json::array();
    int64_t open_count = 0, oldest_ms = 0;
    auto all = txns.list();
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return a.transactional_id < b.transactional_id; });
    for (const auto& m : all) {
      Json j = summary_json(m, now);
      if (open(m)) {
        ++open_count;
        if (!j["open_ms"].is_null()) oldest_ms = std::max(oldest_ms, j["open_ms"].get<int64_t>());
      }
      if (state && m.state != *state) continue;
      if (min_open_ms > 0 && (j["open_ms"].is_null() || j["open_ms"].get<int64_t>() < min_open_ms)) continue;
      list.push_back(std::move(j));
    }
    const auto& c = txns.counters();
    return json_response({{"transactions", list},
                          {"open", open_count},
                          {"oldest_open_ms", oldest_ms},
                          {"since_start", {{"committed", c.committed.load()}, {"aborted", c.aborted.load()},
                                           {"timed_out", c.timed_out.load()}, {"fenced", c.fenced.load()},
                                           {"markers", c.markers.load()}}}});
  });

  // One id with the partitions of its transaction, each with its last stable offset (which
  // the transaction holds back while it is open).
  router.add("GET", "/v1/transactions/{transactional_id}", [&broker](HttpRequest& req) {
    const auto& id = req.params.at("transactional_id");
    auto m = coordinator(broker).describe(id);
    if (!m) throw HttpError(404, "no such transactional id: " + id, "transactional_id");
    Json j = summary_json(*m, now_ms());
    Json parts = Json::array();
    for (const auto& tp : m->partitions) {
      Json p = {{"topic", tp.topic}, {"partition", tp.partition}};
      if (tp.topic == log::kConsumerOffsetsTopic) {
        p["kind"] = "group offsets";
      } else if (auto o = broker.store->offsets(tp.topic, tp.partition)) {
        p["kind"] = "records";
        p["last_stable_offset"] = o->lso();
        p["high_watermark"] = o->high_watermark;
      }
      parts.push_back(std::move(p));
    }
    j["partitions"] = parts;
    return json_response(j);
  });
}

}  // namespace chronik::broker::admin
