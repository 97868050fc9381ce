// The broker's real LevelDB log store in a fresh temporary directory, removed again when the
// last reference goes: unit tests of the services above the log run on what the broker runs.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "broker/config/broker_config.h"
#include "broker/log/leveldb_log_store.h"
#include "broker/log/log_config.h"

namespace chronik::broker::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "chronik-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A LevelDbLogStore that owns its temporary directory.
inline std::shared_ptr<LevelDbLogStore> temp_log_store(
    std::shared_ptr<const config::BrokerConfig> config = std::make_shared<config::BrokerConfig>()) {
  struct Owned {
    TempDir dir;
    std::unique_ptr<LevelDbLogStore> store;
  };
  auto owned = std::make_shared<Owned>();
  owned->store = std::make_unique<LevelDbLogStore>(
      owned->dir.path(), log::log_manager_options([config] { return config; }));
  // Members are destroyed in reverse order: LevelDB closes before the directory goes.
  return std::shared_ptr<LevelDbLogStore>(owned, owned->store.get());
}

}  // namespace chronik::broker::testing
