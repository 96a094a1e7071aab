// The extraction plan: which members become which objects, and everything found unsafe,
// decided from the archive's directory alone before a single byte is written.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "archive/archive_reader.h"
#include "archive/finding.h"
#include "extract/content_type.h"
#include "extract/destination.h"
#include "extract/limits.h"
#include "store/object_store.h"

namespace unpackd {

// One member to write. Kept small, as a plan holds one per member: the member's normalized
// path is the key's tail (ExtractionPlan::PathOf), and Content-Types are shared.
struct PlannedMember {
  uint32_t entry_index = 0;
  std::string key;  // destination key: the destination prefix, then the member's path
  std::shared_ptr<const std::string> content_type;
};

struct ExtractionPlan {
  Destination destination;
  std::vector<PlannedMember> members;  // in directory order; directories excluded
  std::vector<Finding> findings;
  uint64_t total_bytes = 0;  // declared uncompressed bytes of planned members
  uint32_t directories = 0;

  // The member's normalized path inside the archive.
  std::string_view PathOf(const PlannedMember& member) const {
    return std::string_view(member.key).substr(destination.prefix.size());
  }
  // True if any finding refuses the archive under `policy`.
  bool Refused(OnErrorPolicy policy) const;
  // One line naming the first refusing findings, for error messages.
  std::string RefusalSummary() const;
};

// `destination_store` is where the members go: a member whose key it cannot hold (a segment
// over the local filesystem's 255 bytes, a control character) is refused as that member, code
// "unstorable-name". Throws Error(kUsage, code "invalid-destination") when it cannot hold the
// destination prefix itself: then no member could be stored, whatever its name.
ExtractionPlan MakePlan(const ArchiveReader& archive, const Destination& destination,
                        const ObjectStore& destination_store, const ContentTypeMap& types,
                        const ExtractionLimits& limits);

}  // namespace unpackd
