// Connection limits as accepted connections meet them: an address's count against
// max.connections.per.ip and its overrides (IPv6 addresses keep their colons), a listener's
// and the broker's max.connections, and places freed by closed connections.
#include <catch2/catch.hpp>

#include "broker/config/broker_config.h"
#include "broker/config/properties.h"
#include "broker/core/connection_quotas.h"

using namespace chronik::broker;
using chronik::config::BrokerConfig;

namespace {

BrokerConfig config(const std::string& text) {
  return BrokerConfig::from_properties(chronik::config::parse_properties(text), {});
}

}  // namespace

TEST_CASE("max.connections.per.ip and its overrides, counted per address") {
  const auto c = config("max.connections.per.ip=2\nmax.connections.per.ip.overrides=10.0.0.9:0, ::1:3\n");
  CHECK(max_connections_for(c, "10.0.0.1") == 2);
  CHECK(max_connections_for(c, "10.0.0.9") == 0);
  CHECK(max_connections_for(c, "::1") == 3);

  ClientQuotaManager rates;
  ConnectionQuotas quotas(rates);
  using V = ConnectionQuotas::Verdict;
  CHECK(quotas.admit("10.0.0.1", "PLAINTEXT", c, 0).verdict == V::kAccept);
  CHECK(quotas.admit("10.0.0.1", "PLAINTEXT", c, 0).verdict == V::kAccept);
  const auto third = quotas.admit("10.0.0.1", "PLAINTEXT", c, 0);
  CHECK(third.verdict == V::kTooMany);
  CHECK(third.limit == 2);
  CHECK(quotas.admit("10.0.0.2", "PLAINTEXT", c, 0).verdict == V::kAccept);  // another address
  CHECK(quotas.admit("10.0.0.9", "PLAINTEXT", c, 0).verdict == V::kTooMany);
  quotas.release("10.0.0.1", "PLAINTEXT");
  CHECK(quotas.admit("10.0.0.1", "PLAINTEXT", c, 0).verdict == V::kAccept);
}

TEST_CASE("max.connections.per.ip.overrides takes IP addresses only: a host name would never match") {
  CHECK_NOTHROW(config("max.connections.per.ip.overrides=10.0.0.9:0, ::1:3,127.0.0.2:4\n"));
  for (const char* bad : {"broker.example:3", "10.0.0.9", "10.0.0.9:x", "10.0.0.9:-1", ":3"})
    CHECK_THROWS_AS(config(std::string("max.connections.per.ip.overrides=") + bad + "\n"),
                    chronik::config::ConfigError);
}

TEST_CASE("max.connections of the broker and of a listener") {
  const auto c = config("listeners=PLAINTEXT://h:1,SASL_PLAINTEXT://h:2\n"
                        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT\n"
                        "max.connections=3\nlistener.name.sasl_plaintext.max.connections=1\n");
  ClientQuotaManager rates;
  ConnectionQuotas quotas(rates);
  CHECK_FALSE(quotas.full("SASL_PLAINTEXT", c));
  quotas.admit("10.0.0.1", "SASL_PLAINTEXT", c, 0);
  CHECK(quotas.full("SASL_PLAINTEXT", c));
  CHECK_FALSE(quotas.full("PLAINTEXT", c));
  quotas.admit("10.0.0.1", "PLAINTEXT", c, 0);
  quotas.admit("10.0.0.2", "PLAINTEXT", c, 0);
  CHECK(quotas.full("PLAINTEXT", c));  // three in all
  quotas.release("10.0.0.1", "SASL_PLAINTEXT");
  CHECK_FALSE(quotas.full("SASL_PLAINTEXT", c));
  CHECK_FALSE(quotas.full("PLAINTEXT", c));
}
