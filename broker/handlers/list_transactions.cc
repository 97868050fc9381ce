// ListTransactions: the transactional ids this coordinator knows, filtered as Kafka filters
// them (state names, producer ids, v1's duration: transactions running longer than it, and
// v2's TransactionalIdPattern: a regular expression the whole id matches, as Java's
// Matcher.matches; one that does not compile is INVALID_REGULAR_EXPRESSION for the request).
#include <memory>
#include <set>

#include <re2/re2.h>

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::ListTransactionsResponse handle(Broker& broker, const Ctx& ctx, m::ListTransactionsRequest& req) {
  m::ListTransactionsResponse resp;
  std::unique_ptr<re2::RE2> pattern;
  if (ctx.api_version >= 2 && req.transactional_id_pattern && !req.transactional_id_pattern->empty()) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    pattern = std::make_unique<re2::RE2>(*req.transactional_id_pattern, options);
    if (!pattern->ok()) {
      resp.error_code = err(ErrorCode::INVALID_REGULAR_EXPRESSION);
      return resp;
    }
  }
  std::set<txn::TxnState> states;
  for (const auto& name : req.state_filters) {
    if (auto s = txn::state_from_name(name)) states.insert(*s);
    else resp.unknown_state_filters.push_back(name);
  }
  const std::set<int64_t> producer_ids(req.producer_id_filters.begin(), req.producer_id_filters.end());
  const int64_t now = now_ms();
  for (const auto& m : broker.transactions->list()) {
    if (m.state == txn::TxnState::kDead) continue;
    if (!producer_ids.empty() && !producer_ids.count(m.producer_id)) continue;
    if (!req.state_filters.empty() && !states.count(m.state)) continue;
    if (req.duration_filter >= 0 && now - m.start_ms <= req.duration_filter) continue;
    if (pattern && !re2::RE2::FullMatch(m.transactional_id, *pattern)) continue;
    // Only the ids the requester may describe, as Kafka lists them.
    if (!authorized_transactional_id(broker, ctx, AclOperation::kDescribe, m.transactional_id)) continue;
    auto& s = resp.transaction_states.emplace_back();
    s.transactional_id = m.transactional_id;
    s.producer_id = m.producer_id;
    s.transaction_state = std::string(txn::state_name(m.state));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
