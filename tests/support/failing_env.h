// A LevelDB Env that fails on demand: the broker's own Env (storage_env.h), except that while
// a flag is set, writes, syncs or reads of the files it opened fail with an IOError, as a
// full or failing disk makes them fail. Plugged into a store through
// log::StorageOptions::env (temp_log_store.h), so that tests reach the broker's real error
// paths: LevelDB's, the Storage's and the LogStore's, up to the Kafka answer.
//
// What each flag fails:
//   fail_writes  Append and Flush of logs, tables and manifests (a full disk);
//   fail_syncs   Sync of those (an fsync that reports a lost write);
//   fail_reads   Read of tables and of files LevelDB reads sequentially (logs and manifests
//                at open): a table LevelDB cannot read, as an unreadable or corrupt disk.
// Reads LevelDB serves from its memtable or block cache never reach a file: a test that wants
// a failed read puts the data in a table first (see tests/unit/kafka/storage_failure_test.cc).
// It also counts the bytes read from the batches database's tables, for tests of how much a
// read takes from disk (tests/unit/log/interleaved_read_test.cc).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <leveldb/env.h>
#include <leveldb/status.h>

#include "broker/log/storage_env.h"

namespace chronik::broker::testing {

class FailingEnv final : public leveldb::EnvWrapper {
 public:
  explicit FailingEnv(leveldb::Env* target = log::storage_env()) : leveldb::EnvWrapper(target) {}

  std::atomic<bool> fail_writes{false};
  std::atomic<bool> fail_syncs{false};
  std::atomic<bool> fail_reads{false};
  // How many operations failed because of a flag (a test can tell its failure was reached).
  std::atomic<int> failures{0};
  // Bytes read from tables of the batches database (its files under "batches/").
  std::atomic<uint64_t> batch_table_bytes{0};

  leveldb::Status NewWritableFile(const std::string& path, leveldb::WritableFile** file) override {
    return wrap(target()->NewWritableFile(path, file), path, file);
  }
  leveldb::Status NewAppendableFile(const std::string& path, leveldb::WritableFile** file) override {
    return wrap(target()->NewAppendableFile(path, file), path, file);
  }
  leveldb::Status NewRandomAccessFile(const std::string& path, leveldb::RandomAccessFile** file) override {
    if (fail_reads) return injected(path, "open");
    leveldb::Status s = target()->NewRandomAccessFile(path, file);
    if (s.ok()) *file = new RandomAccess(*this, path, std::unique_ptr<leveldb::RandomAccessFile>(*file));
    return s;
  }
  leveldb::Status NewSequentialFile(const std::string& path, leveldb::SequentialFile** file) override {
    if (fail_reads) return injected(path, "open");
    leveldb::Status s = target()->NewSequentialFile(path, file);
    if (s.ok()) *file = new Sequential(*this, path, std::unique_ptr<leveldb::SequentialFile>(*file));
    return s;
  }

 private:
  leveldb::Status injected(const std::string& path, const char* what) {
    failures.fetch_add(1);
    return leveldb::Status::IOError(path, std::string("injected ") + what + " failure");
  }

  class Writable final : public leveldb::WritableFile {
   public:
    Writable(FailingEnv& env, std::string path, std::unique_ptr<leveldb::WritableFile> file)
        : env_(env), path_(std::move(path)), file_(std::move(file)) {}
    leveldb::Status Append(const leveldb::Slice& data) override {
      if (env_.fail_writes) return env_.injected(path_, "write");
      return file_->Append(data);
    }
    leveldb::Status Flush() override {
      if (env_.fail_writes) return env_.injected(path_, "write");
      return file_->Flush();
    }
    leveldb::Status Sync() override {
      if (env_.fail_writes || env_.fail_syncs) return env_.injected(path_, "sync");
      return file_->Sync();
    }
    leveldb::Status Close() override { return file_->Close(); }

   private:
    FailingEnv& env_;
    std::string path_;
    std::unique_ptr<leveldb::WritableFile> file_;
  };

  class RandomAccess final : public leveldb::RandomAccessFile {
   public:
    RandomAccess(FailingEnv& env, std::string path, std::unique_ptr<leveldb::RandomAccessFile> file)
        : env_(env), path_(std::move(path)), file_(std::move(file)) {}
    leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result, char* scratch) const override {
      if (env_.fail_reads) {
        *result = leveldb::Slice();
        return env_.injected(path_, "read");
      }
      leveldb::Status s = file_->Read(offset, n, result, scratch);
      if (batches_) env_.batch_table_bytes.fetch_add(result->size());
      return s;
    }

   private:
    FailingEnv& env_;
    std::string path_;
    bool batches_ = path_.find("/batches/") != std::string::npos;
    std::unique_ptr<leveldb::RandomAccessFile> file_;
  };

  class Sequential final : public leveldb::SequentialFile {
   public:
    Sequential(FailingEnv& env, std::string path, std::unique_ptr<leveldb::SequentialFile> file)
        : env_(env), path_(std::move(path)), file_(std::move(file)) {}
    leveldb::Status Read(size_t n, leveldb::Slice* result, char* scratch) override {
      if (env_.fail_reads) {
        *result = leveldb::Slice();
        return env_.injected(path_, "read");
      }
      return file_->Read(n, result, scratch);
    }
    leveldb::Status Skip(uint64_t n) override { return file_->Skip(n); }

   private:
    FailingEnv& env_;
    std::string path_;
    std::unique_ptr<leveldb::SequentialFile> file_;
  };

  leveldb::Status wrap(leveldb::Status s, const std::string& path, leveldb::WritableFile** file) {
    if (s.ok()) *file = new Writable(*this, path, std::unique_ptr<leveldb::WritableFile>(*file));
    return s;
  }
};

}  // namespace chronik::broker::testing
