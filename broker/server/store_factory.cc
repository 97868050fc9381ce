#include "broker/server/store_factory.h"

#include <cstdlib>

#include "broker/log/log_config.h"
#include "broker/server/leveldb_log_store.h"
#include "broker/server/memory_log_store.h"

namespace chronik::broker {

// CHRONIK_MEMORY_LOG=1 runs on the in-memory log (nothing persists), for quick experiments.
std::shared_ptr<LogStore> open_store(Broker& broker) {
  if (const char* m = std::getenv("CHRONIK_MEMORY_LOG"); m && std::string(m) == "1")
    return std::make_shared<MemoryLogStore>();
  return std::make_shared<LevelDbLogStore>(
      broker.log_dir, log::log_manager_options([&broker] { return broker.config(); }));
}

}  // namespace chronik::broker
