// The messages that are neither requests nor responses but still arrive from clients or
// disk: ConsumerProtocolSubscription/Assignment (inside JoinGroup/SyncGroup), the generated
// headers, KRaft records. Input: 1 byte choosing the message (index in
// for_each_other_message, modulo their number), 2 bytes of version, then the body.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "generated/kafka/api_dispatch.h"

using namespace chronik;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  size_t count = 0;
  message::for_each_other_message([&]<class M>() { ++count; });
  const size_t which = data[0] % count;
  const int16_t version = fuzz::read_be16(data + 1);
  auto body = std::make_shared<std::vector<uint8_t>>(data + 3, data + size);

  size_t index = 0;
  message::for_each_other_message([&]<class M>() {
    if (index++ != which) return;
    if (version < M::kLowestVersion || version > M::kHighestVersion) return;
    wire::Reader in(body->data(), body->size(), body);
    M m;
    try {
      m.decode(in, version);
    } catch (const wire::DecodeError&) {
      return;
    }
    fuzz::check_reencodes(m, version);
  });
  return 0;
}
