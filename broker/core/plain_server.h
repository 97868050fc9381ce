// SASL/PLAIN (RFC 4616) on the broker's side: the users and passwords of the listener's
// JAAS configuration, as Kafka's PlainLoginModule (user_<name>="<password>" options).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "broker/core/sasl_server.h"

namespace chronik::broker {

// `users`: name -> password.
std::unique_ptr<SaslServer> make_plain_server(std::map<std::string, std::string> users);

}  // namespace chronik::broker
