// libFuzzer entry point: see zip_fuzz_harness.h for what one input exercises.
#include <cstddef>
#include <cstdint>

#include "zip_fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unpackd::fuzz::FuzzNameDecoding({data, size});
  return 0;
}
