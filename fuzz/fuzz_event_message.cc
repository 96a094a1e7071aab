// libFuzzer entry point: ParseEventMessage on any bytes either returns or throws
// unpackd::Error (malformed-event); anything else - a crash, a sanitizer report, another
// exception - is a bug. Seeds: tests/data/s3-events (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "event/event_message.h"
#include "util/error.h"
#include "util/s3_sequencer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const unpackd::EventMessage message =
        unpackd::ParseEventMessage({reinterpret_cast<const char*>(data), size});
    for (const unpackd::ObjectEvent& event : message.created) {
      if (event.bucket.empty() || event.key.empty()) std::abort();  // the contract says never
      unpackd::CompareSequencers(event.sequencer, message.created.front().sequencer);
    }
  } catch (const unpackd::Error& e) {
    if (e.code() != "malformed-event") std::abort();
  }
  return 0;
}
