// AlterUserScramCredentials and DescribeUserScramCredentials (KIP-554): the SCRAM users of
// SASL listeners, stored salted in the log's metadata (core/scram.h). Clients send the
// password already salted (Hi), never the password itself. Altering needs ALTER on the
// cluster, describing DESCRIBE. Kafka's rules: a user named twice
// in one request is DUPLICATE_RESOURCE, iterations outside 4096..16384 UNACCEPTABLE_CREDENTIAL,
// deleting or describing a credential that does not exist RESOURCE_NOT_FOUND.
#include <map>
#include <set>
#include <mutex>

#include "broker/core/scram.h"
#include "broker/handlers/handlers.h"
#include "broker/log/storage.h"

namespace chronik::broker::handlers {
namespace {

constexpr const char* kClusterAuthorizationFailed = "Cluster authorization failed.";

// Alterations read the credentials (to refuse deleting a missing one), then write: one at a time.
std::mutex alter_mu;

struct Problem {
  int16_t code;
  std::string message;
};

std::optional<Problem> check_user_and_mechanism(const std::string& user, int8_t mechanism) {
  if (user.empty()) return Problem{err(ErrorCode::UNACCEPTABLE_CREDENTIAL), "Username must not be empty"};
  if (mechanism != static_cast<int8_t>(ScramMechanism::kSha256) && mechanism != static_cast<int8_t>(ScramMechanism::kSha512))
    return Problem{err(ErrorCode::UNSUPPORTED_SASL_MECHANISM), "Unknown SCRAM mechanism"};
  return std::nullopt;
}

}  // namespace

m::AlterUserScramCredentialsResponse handle(Broker& broker, const Ctx& ctx, m::AlterUserScramCredentialsRequest& req) {
  m::AlterUserScramCredentialsResponse resp;
  if (!authorized_cluster(broker, ctx, AclOperation::kAlter)) {
    // Kafka's error response: each user once, in order, with the error's message.
    std::set<std::string> users;
    for (const auto& d : req.deletions) users.insert(d.name);
    for (const auto& u : req.upsertions) users.insert(u.name);
    for (const auto& user : users)
      resp.results.push_back({user, err(ErrorCode::CLUSTER_AUTHORIZATION_FAILED), kClusterAuthorizationFailed, {}});
    return resp;
  }
  std::lock_guard lock(alter_mu);
  ScramCredentialStore store(*broker.store);
  std::map<std::string, Problem> problems;
  std::map<std::string, const m::AlterUserScramCredentialsRequest::ScramCredentialDeletion*> deletions;
  std::map<std::string, const m::AlterUserScramCredentialsRequest::ScramCredentialUpsertion*> upsertions;
  const Problem duplicate{err(ErrorCode::DUPLICATE_RESOURCE), "A user credential cannot be altered twice in the same request"};
  try {
    for (const auto& d : req.deletions) {
      if (problems.count(d.name)) continue;
      if (deletions.erase(d.name)) {
        problems.emplace(d.name, duplicate);
        continue;
      }
      if (auto p = check_user_and_mechanism(d.name, d.mechanism)) {
        problems.emplace(d.name, *p);
        continue;
      }
      if (!store.get(d.name, static_cast<ScramMechanism>(d.mechanism))) {
        problems.emplace(d.name, Problem{err(ErrorCode::RESOURCE_NOT_FOUND),
                                         "Attempt to delete a user credential that does not exist"});
        continue;
      }
      deletions[d.name] = &d;
    }
  } catch (const log::StorageError& e) {
    for (const auto& d : req.deletions)
      resp.results.push_back({d.name, err(ErrorCode::KAFKA_STORAGE_ERROR), e.what(), {}});
    return resp;
  }
  for (const auto& u : req.upsertions) {
    if (problems.count(u.name)) continue;
    if (deletions.erase(u.name) || upsertions.erase(u.name)) {
      problems.emplace(u.name, duplicate);
      continue;
    }
    if (auto p = check_user_and_mechanism(u.name, u.mechanism)) {
      problems.emplace(u.name, *p);
      continue;
    }
    if (u.iterations < kScramMinIterations) {
      problems.emplace(u.name, Problem{err(ErrorCode::UNACCEPTABLE_CREDENTIAL), "Too few iterations"});
      continue;
    }
    if (u.iterations > kScramMaxIterations) {
      problems.emplace(u.name, Problem{err(ErrorCode::UNACCEPTABLE_CREDENTIAL), "Too many iterations"});
      continue;
    }
    upsertions[u.name] = &u;
  }
  std::vector<ScramCredentialStore::Change> changes;
  for (const auto& [name, d] : deletions) changes.push_back({name, static_cast<ScramMechanism>(d->mechanism), std::nullopt});
  for (const auto& [name, u] : upsertions) {
    const auto mechanism = static_cast<ScramMechanism>(u->mechanism);
    changes.push_back({name, mechanism,
                       scram_credential(mechanism, std::string(u->salt.begin(), u->salt.end()),
                                        std::string_view(reinterpret_cast<const char*>(u->salted_password.data()),
                                                         u->salted_password.size()),
                                        u->iterations)});
  }
  const int16_t stored = changes.empty() ? int16_t{0} : store.apply(changes);
  for (const auto& c : changes)
    resp.results.push_back({c.user, stored, stored ? std::optional<std::string>("The log dir could not be written")
                                                   : std::nullopt, {}});
  for (const auto& [name, p] : problems) resp.results.push_back({name, p.code, p.message, {}});
  return resp;
}

m::DescribeUserScramCredentialsResponse handle(Broker& broker, const Ctx& ctx, m::DescribeUserScramCredentialsRequest& req) {
  m::DescribeUserScramCredentialsResponse resp;
  resp.error_message = std::nullopt;
  if (!authorized_cluster(broker, ctx, AclOperation::kDescribe)) {
    // With Kafka's message: librdkafka 2.16 aborts on this error without one.
    resp.error_code = err(ErrorCode::CLUSTER_AUTHORIZATION_FAILED);
    resp.error_message = kClusterAuthorizationFailed;
    return resp;
  }
  std::map<std::string, std::vector<std::pair<ScramMechanism, int32_t>>> all;
  try {
    all = ScramCredentialStore(*broker.store).list();
  } catch (const log::StorageError& e) {
    resp.error_code = err(ErrorCode::KAFKA_STORAGE_ERROR);
    resp.error_message = e.what();
    return resp;
  }
  // User -> named more than once.
  std::map<std::string, bool> users;
  if (!req.users || req.users->empty()) {
    for (const auto& [user, _] : all) users[user] = false;
  } else {
    for (const auto& u : *req.users) {
      auto [it, fresh] = users.emplace(u.name, false);
      if (!fresh) it->second = true;
    }
  }
  for (const auto& [user, duplicate] : users) {
    m::DescribeUserScramCredentialsResponse::DescribeUserScramCredentialsResult r;
    r.user = user;
    r.error_message = std::nullopt;
    if (duplicate) {
      r.error_code = err(ErrorCode::DUPLICATE_RESOURCE);
      r.error_message = "Cannot describe SCRAM credentials for the same user twice in a single request: " + user;
    } else if (auto it = all.find(user); it == all.end()) {
      r.error_code = err(ErrorCode::RESOURCE_NOT_FOUND);
      r.error_message = "Attempt to describe a user credential that does not exist: " + user;
    } else {
      for (const auto& [mechanism, iterations] : it->second)
        r.credential_infos.push_back({static_cast<int8_t>(mechanism), iterations, {}});
    }
    resp.results.push_back(std::move(r));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
