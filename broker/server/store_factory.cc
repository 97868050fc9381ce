#include "broker/server/store_factory.h"

#include "broker/server/memory_log_store.h"

namespace chronik::broker {

std::shared_ptr<LogStore> open_store(Broker&) { return std::make_shared<MemoryLogStore>(); }

}  // namespace chronik::broker
