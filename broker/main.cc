// chronik: a Kafka-compatible broker.
//
//   chronik                               Kafka on 127.0.0.1:9092, data in ./chronik-data
//   chronik --config server.properties    Kafka's own key names
//   chronik --override key=value ...      wins over the file (repeatable)
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <spdlog/spdlog.h>

#include "broker/admin/admin_server.h"
#include "broker/config/properties.h"
#include "broker/config/served_settings.h"
#include "broker/core/broker.h"
#include "broker/core/sasl_server.h"
#include "broker/handlers/handlers.h"
#include "broker/log/leveldb_log_store.h"
#include "broker/log/log_config.h"
#include "broker/net/server.h"
#include "generated/kafka/api_table.h"

namespace {


constexpr const char* kVersion = "0.1.0";

// Holds an exclusive lock on <dir>/.lock while the broker runs, so that a second broker
// on the same data dir fails at once instead of corrupting it.
bool lock_data_dir(const std::string& dir, std::string* error) {
  const std::string path = dir + "/.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
    *error = "data directory " + dir + " is already in use by another chronik process (pid " +
             pid + ")";
    ::close(fd);
    return false;
  }
  std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0) {
    ssize_t ignored = ::pwrite(fd, pid.data(), pid.size(), 0);
    (void)ignored;
  }
  return true;  // fd stays open (and locked) until exit
}

// The cluster id, kept in <dir>/meta.properties as Kafka does.
std::string cluster_id(const std::string& dir, int32_t node_id) {
  const std::string path = dir + "/meta.properties";
  try {
    for (const auto& p : chronik::config::load_properties_file(path))
      if (p.key == "cluster.id" && !p.value.empty()) return p.value;
  } catch (const std::exception&) {
    // No meta.properties yet: a new cluster id.
  }
  std::string id = chronik::wire::Uuid::random().to_base64();
  std::ofstream out(path);
  out << "#chronik meta.properties\nversion=1\ncluster.id=" << id << "\nnode.id=" << node_id << "\n";
  return id;
}

// One JSON object per line for every API of the generated table: what ApiVersions
// advertises (served) and the spec's version range. The compatibility report is built from
// it, so that its protocol table cannot drift from the code. The telemetry APIs count as
// served: advertised once client.telemetry.enable is set, answered always.
void print_api_versions(std::ostream& out) {
  const auto advertised = chronik::broker::handlers::advertised_api_versions(true);
  for (const auto& api : chronik::message::kApis) {
    const auto it = std::find_if(advertised.begin(), advertised.end(),
                                 [&](const auto& v) { return v.api_key == api.key; });
    out << "{\"key\":" << api.key << ",\"name\":\"" << api.name << "\",\"min\":"
        << api.lowest_version << ",\"max\":" << api.highest_stable_version
        << ",\"broker_listener\":" << ((api.listeners & chronik::message::kBroker) ? "true" : "false")
        << ",\"served\":" << (it != advertised.end() ? "true" : "false")
        << ",\"refuses_only\":" << (chronik::broker::handlers::refuses_only(api.key) ? "true" : "false");
    if (it != advertised.end())
      out << ",\"served_min\":" << it->min_version << ",\"served_max\":" << it->max_version;
    // What each Kafka release of the generated protocol serves ("none": it lacks the API).
    out << ",\"releases\":{";
    for (size_t i = 0; i < chronik::message::kReleaseCount; ++i) {
      const auto& r = api.releases[i];
      out << (i ? "," : "") << '"' << chronik::message::kReleases[i] << "\":";
      if (r.empty())
        out << "null";
      else
        out << '[' << r.lowest << ',' << r.highest << ']';
    }
    out << '}';
    out << "}\n";
  }
}

// The command line: Kafka's --override and spdlog's levels.
struct CommandLine {
  std::optional<std::string> config_path;
  std::vector<std::string> overrides;
  spdlog::level::level_enum log_level = spdlog::level::info;
};

// spdlog::level::from_str answers `off` for any word it does not know, which silenced the
// broker on a typo; levels are therefore matched here, case-insensitively as log4j does.
std::optional<spdlog::level::level_enum> parse_log_level(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::pair<const char*, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},   {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
      {"critical", spdlog::level::critical}, {"fatal", spdlog::level::critical}, {"off", spdlog::level::off}};
  for (const auto& [name, level] : kLevels)
    if (text == name) return level;
  return std::nullopt;
}

// Parses argv; prints help, the version or the API table and exits for those, and exits 2
// with the reason on a usage error.
CommandLine parse_command_line(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description options(
      "usage: chronik [--config server.properties] [--override key=value]... [--log-level LEVEL]\n\n"
      "A Kafka-compatible broker. Without options: Kafka on 127.0.0.1:9092, the admin endpoint on\n"
      "http://127.0.0.1:9644, data in ./chronik-data. Options");
  std::string config_path, log_level;
  std::vector<std::string> overrides;
  options.add_options()
      ("config,c", po::value(&config_path)->value_name("FILE"),
       "a server.properties file, with Kafka's key names (docs/configs.md)")
      ("override", po::value(&overrides)->value_name("KEY=VALUE")->composing(),
       "a config that wins over the file (repeatable)")
      ("log-level", po::value(&log_level)->value_name("LEVEL"),
       "trace, debug, info (default; or $CHRONIK_LOG_LEVEL), warn, error, critical or off")
      ("print-api-versions", "print the API versions served, one JSON object per API, and exit")
      ("version", "print the version and exit")
      ("help,h", "print this help and exit");
  po::variables_map vm;
  try {
    // No positional arguments: without an (empty) description Boost lets them through.
    po::store(po::command_line_parser(argc, argv).options(options).positional({}).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "chronik: " << e.what() << "\n" << "try chronik --help\n";
    std::exit(2);
  }
  if (vm.count("help")) {
    std::cout << options << "\n";
    std::exit(0);
  }
  if (vm.count("version")) {
    std::cout << "chronik " << kVersion << "\n";
    std::exit(0);
  }
  if (vm.count("print-api-versions")) {
    print_api_versions(std::cout);
    std::exit(0);
  }
  CommandLine out;
  if (vm.count("config")) out.config_path = config_path;
  for (const auto& kv : overrides) {
    if (kv.find('=') == std::string::npos || kv.front() == '=') {
      std::cerr << "chronik: --override expects key=value, got '" << kv << "'\n";
      std::exit(2);
    }
  }
  out.overrides = overrides;
  if (log_level.empty())
    if (const char* env = std::getenv("CHRONIK_LOG_LEVEL")) log_level = env;
  if (!log_level.empty()) {
    const auto level = parse_log_level(log_level);
    if (!level) {
      std::cerr << "chronik: unknown log level '" << log_level
                << "' (trace, debug, info, warn, error, critical or off)\n";
      std::exit(2);
    }
    out.log_level = *level;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const CommandLine cli = parse_command_line(argc, argv);
  const auto& config_path = cli.config_path;
  const auto& overrides = cli.overrides;
  spdlog::set_level(cli.log_level);

  chronik::broker::Broker broker;
  try {
    auto cfg = std::make_shared<chronik::config::BrokerConfig>(chronik::config::BrokerConfig::load(config_path, overrides));
    for (const auto& w : cfg->warnings()) spdlog::warn("{}", w);
    const auto unserved = chronik::config::unserved_settings(*cfg);
    for (const auto& w : unserved.warnings) spdlog::warn("{}", w);
    if (auto refused = chronik::security::Authorizer::refuse_class(cfg->get_string("authorizer.class.name").value_or("")))
      spdlog::critical("cannot start: {}", *refused);
    if (!unserved.refused.empty() ||
        chronik::security::Authorizer::refuse_class(cfg->get_string("authorizer.class.name").value_or(""))) {
      for (const auto& r : unserved.refused) spdlog::critical("cannot start: {}", r);
      return 1;
    }
    broker.init(std::move(cfg));
    chronik::broker::check_sasl_servers(broker);
  } catch (const std::exception& e) {
    spdlog::critical("invalid configuration: {}", e.what());
    return 1;
  }
  broker.config_source = !config_path ? (overrides.empty() ? "defaults" : "--override")
                                      : *config_path + (overrides.empty() ? "" : " + --override");

  std::error_code ec;
  std::filesystem::create_directories(broker.log_dir, ec);
  if (ec) {
    spdlog::critical("cannot create data directory {}: {}", broker.log_dir, ec.message());
    return 1;
  }
  std::string error;
  if (!lock_data_dir(broker.log_dir, &error)) {
    spdlog::critical("{}", error);
    return 1;
  }
  broker.cluster_id = cluster_id(broker.log_dir, broker.node_id);
  broker.start_time_ms = chronik::broker::now_ms();

  try {
    broker.store = std::make_shared<chronik::broker::LevelDbLogStore>(
        broker.log_dir, chronik::log::log_manager_options([&broker] { return broker.config(); }));
    broker.load_dynamic_configs();
    broker.ensure_internal_topics();
    broker.start_groups();
    broker.authorizer = chronik::security::Authorizer::from_config(*broker.config(), broker.store);
    if (broker.authorizer) broker.authorizer->load();
  } catch (const std::exception& e) {
    spdlog::critical("cannot open the log in {}: {}", broker.log_dir, e.what());
    return 1;
  }

  chronik::broker::net::Server server(broker);
  try {
    server.bind();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  chronik::broker::admin::AdminServer admin_server(
      broker, server.io_context(), {kVersion, [&server]() { return server.accepting(); }});
  try {
    admin_server.bind();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  server.on_stop([&admin_server]() { admin_server.stop(); });
  admin_server.start();
  const auto cfg = broker.config();
  std::string admin;
  {
    const auto listeners = cfg->admin_listeners();
    const auto ports = admin_server.ports();
    for (size_t i = 0; i < listeners.size() && i < ports.size(); ++i)
      admin += (admin.empty() ? "" : ",") + listeners[i].name + "://" + listeners[i].host + ":" +
               std::to_string(ports[i]);
    if (admin.empty()) admin = "(none)";
  }
  spdlog::info("chronik {} node {} cluster {}", kVersion, broker.node_id, broker.cluster_id);
  // The line a first-time user looks for: where to point clients and a browser, how to stop.
  const auto first_admin = admin.substr(0, admin.find(','));
  std::string kafka;
  for (const auto& l : broker.listeners) {
    if (!kafka.empty()) kafka += ", ";
    if (broker.listeners.size() > 1 || l.security_protocol != "PLAINTEXT") kafka += l.name + " ";
    kafka += l.bind.host + ":" + std::to_string(l.bind.port) + " (advertised " + l.advertised.host + ":" +
             std::to_string(l.advertised.port) + ")";
  }
  spdlog::info("kafka listener {}, admin {}{}; stop with Ctrl-C or SIGTERM",
               kafka, admin, first_admin == "(none)" ? "" : ", dashboard " + first_admin + "/");
  spdlog::info("data dir {}, config from {}, {} network threads, {} io threads", broker.log_dir,
               broker.config_source, cfg->get_int("num.network.threads"), cfg->get_int("num.io.threads"));

  server.run();
  // A log dir that failed (a full disk) and was not reopened: everything acknowledged is in
  // LevelDB's logs, but the final flush could not run; stop cleanly and say so in the exit
  // status, which a supervisor can tell from a crash (README, "Disk full").
  const auto storage_error = broker.store->storage_error();
  // The marker thread stops before the store closes; what it had not finished, the next
  // start finishes (the Prepare states are stored).
  broker.transactions.reset();
  broker.store.reset();
  if (storage_error) {
    spdlog::error("stopped while the log dir {} could not be written ({})", broker.log_dir,
                  *storage_error);
    return 3;
  }
  spdlog::info("stopped");
  return 0;
}
