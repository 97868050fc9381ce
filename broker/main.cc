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
#include <sstream>

#include <spdlog/spdlog.h>

#include "broker/admin/admin_server.h"
#include "broker/config/properties.h"
#include "broker/core/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/log/leveldb_log_store.h"
#include "broker/log/log_config.h"
#include "broker/net/server.h"
#include "generated/kafka/api_table.h"

namespace {


constexpr const char* kVersion = "0.1.0";

void usage(std::ostream& out) {
  out << "usage: chronik [--config server.properties] [--override key=value]...\n"
         "               [--log-level trace|debug|info|warn|error] [--version]\n"
         "               [--print-api-versions]\n";
}

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

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> overrides;
  std::string config_path;
  std::string log_level = "info";
  if (const char* env = std::getenv("CHRONIK_LOG_LEVEL")) log_level = env;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "chronik: " << name << " needs a value\n";
        usage(std::cerr);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--config" || arg == "-c") {
      config_path = value("--config");
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(9);
    } else if (arg == "--override" || arg.rfind("--override=", 0) == 0) {
      std::string kv = arg == "--override" ? value("--override") : arg.substr(11);
      if (kv.find('=') == std::string::npos) {
        std::cerr << "chronik: --override expects key=value, got '" << kv << "'\n";
        return 2;
      }
      overrides.push_back(kv);
    } else if (arg == "--log-level") {
      log_level = value("--log-level");
    } else if (arg == "--print-api-versions") {
      print_api_versions(std::cout);
      return 0;
    } else if (arg == "--version") {
      std::cout << "chronik " << kVersion << "\n";
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      usage(std::cout);
      return 0;
    } else {
      std::cerr << "chronik: unknown argument '" << arg << "'\n";
      usage(std::cerr);
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  chronik::broker::Broker broker;
  try {
    auto cfg = std::make_shared<chronik::config::BrokerConfig>(chronik::config::BrokerConfig::load(
        config_path.empty() ? std::nullopt : std::optional<std::string>(config_path), overrides));
    for (const auto& w : cfg->warnings()) spdlog::warn("{}", w);
    broker.init(std::move(cfg));
  } catch (const std::exception& e) {
    spdlog::critical("invalid configuration: {}", e.what());
    return 1;
  }
  broker.config_source = config_path.empty() ? (overrides.empty() ? "defaults" : "--override")
                                        : config_path + (overrides.empty() ? "" : " + --override");

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
      admin += (admin.empty() ? "http://" : ",http://") + listeners[i].host + ":" + std::to_string(ports[i]);
    if (admin.empty()) admin = "(none)";
  }
  if (broker.advertised.port == 0) broker.advertised.port = server.port();
  spdlog::info("chronik {} node {} cluster {}", kVersion, broker.node_id, broker.cluster_id);
  spdlog::info("kafka listener {}:{} (advertised {}:{}), admin {}", broker.listener.host,
               server.port(), broker.advertised.host, broker.advertised.port, admin);
  spdlog::info("data dir {}, config from {}, {} network threads, {} io threads", broker.log_dir,
               broker.config_source, cfg->get_int("num.network.threads"), cfg->get_int("num.io.threads"));

  server.run();
  // A log dir that failed (a full disk) and was not reopened: everything acknowledged is in
  // LevelDB's logs, but the final flush could not run; stop cleanly and say so in the exit
  // status, which a supervisor can tell from a crash (README, "Disk full").
  const auto storage_error = broker.store->storage_error();
  broker.store.reset();
  if (storage_error) {
    spdlog::error("stopped while the log dir {} could not be written ({})", broker.log_dir,
                  *storage_error);
    return 3;
  }
  spdlog::info("stopped");
  return 0;
}
